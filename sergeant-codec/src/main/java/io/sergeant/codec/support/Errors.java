package io.sergeant.codec.support;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

/** Factory methods for the {@link SergeantException}s the codecs throw. Stateless; internal. */
public final class Errors {

    private Errors() {
    }

    /** {@code MALFORMED_PAYLOAD}: the payload is not valid in its format. */
    public static SergeantException malformed(String format, String detail) {
        return new SergeantException(ErrorCode.MALFORMED_PAYLOAD,
                "malformed " + format + " payload: " + detail
                        + "; check that producer and consumer use the same serializer and compressor");
    }

    /** {@code MALFORMED_PAYLOAD} with a cause. */
    public static SergeantException malformed(String format, String detail, Throwable cause) {
        return new SergeantException(ErrorCode.MALFORMED_PAYLOAD,
                "malformed " + format + " payload: " + detail
                        + "; check that producer and consumer use the same serializer and compressor", cause);
    }

    /** {@code PAYLOAD_TOO_LARGE}: the encoded input exceeds {@code maxEncodedBytes}. */
    public static SergeantException payloadTooLarge(String format, long size, long max) {
        return new SergeantException(ErrorCode.PAYLOAD_TOO_LARGE,
                format + " payload of " + size + " bytes exceeds maxEncodedBytes=" + max
                        + "; raise the decode limit if such payloads are expected");
    }

    /** {@code DECOMPRESSED_TOO_LARGE}: decompression would exceed {@code maxDecompressedBytes}. */
    public static SergeantException decompressedTooLarge(String format, long max) {
        return new SergeantException(ErrorCode.DECOMPRESSED_TOO_LARGE,
                format + " payload decompresses to more than maxDecompressedBytes=" + max
                        + " bytes (a compression bomb?); raise the decode limit if such payloads are expected");
    }

    /** {@code NESTING_TOO_DEEP}: lists/maps nest deeper than {@code maxDepth}. */
    public static SergeantException tooDeep(String format, int max) {
        return new SergeantException(ErrorCode.NESTING_TOO_DEEP,
                format + " payload nests lists and maps deeper than maxDepth=" + max
                        + "; flatten the data or raise the decode limit");
    }

    /** {@code COLLECTION_TOO_LARGE}: a declared length is over the limit or past the end of the payload. */
    public static SergeantException collectionTooLarge(String format, String what, long declared, long allowed,
                                                       String bound) {
        return new SergeantException(ErrorCode.COLLECTION_TOO_LARGE,
                format + " payload declares a " + what + " of " + declared + " but " + bound + " is " + allowed
                        + "; the payload is truncated or hostile, or the decode limit must be raised");
    }

    /** {@code CLASS_NOT_ALLOWED}. */
    public static SergeantException classNotAllowed(String message) {
        return new SergeantException(ErrorCode.CLASS_NOT_ALLOWED, message);
    }

    /** {@code INVALID_CONFIGURATION}. */
    public static SergeantException invalidConfiguration(String message) {
        return new SergeantException(ErrorCode.INVALID_CONFIGURATION, message);
    }
}
