package io.sergeant.api;

/**
 * The category of a {@link SergeantException}: who has to act, and whether retrying can help.
 */
public enum ErrorType {
    /** The caller's input or configuration is wrong; fix it, retrying will not help. */
    USER,
    /** A bug in Sergeant itself. */
    INTERNAL,
    /** An external system (a backend) failed in a way that may pass; retrying later can help. */
    TRANSIENT_EXTERNAL,
    /** An external system refused in a way that will not pass by itself (bad credentials, old server). */
    PERMANENT_EXTERNAL,
    /** A resource limit was hit (a decode bound, a memory limit). */
    RESOURCE
}
