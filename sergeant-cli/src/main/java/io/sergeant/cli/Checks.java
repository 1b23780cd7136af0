package io.sergeant.cli;

import io.sergeant.api.SergeantException;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.core.config.WorkerConfigProperties;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The configuration checks of {@code worker} and {@code supervisor}, shared. Stateless. */
final class Checks {

    private Checks() {
    }

    /**
     * Every problem of the class path, the merged configuration keys (file, environment, command line) and
     * the plugins they name (looked up with the user's class path), one message each.
     */
    static List<String> of(ConfigOptions configOptions, ClassPathOption classPath, Map<String, String> defines) {
        List<String> problems = new ArrayList<>();
        try {
            classPath.validate();
        } catch (SergeantException e) {
            problems.addAll(ConfigurationCheck.problemsOf(e));
            classPath = new ClassPathOption();
        }
        WorkerConfigProperties.Reading reading;
        try {
            reading = WorkerConfigProperties.read(WorkerConfig.builder("sergeant").build(), configOptions.properties(defines));
        } catch (SergeantException e) {
            // The --config file cannot be read: there are no keys to check.
            problems.addAll(ConfigurationCheck.problemsOf(e));
            return problems;
        }
        problems.addAll(reading.problems());
        // The keys that could be applied name plugins: checked in the same round as the bad values.
        WorkerConfig config = reading.config();
        try {
            classPath.callWithUserClasses(() -> Sergeant.create().validate(config));
        } catch (SergeantException e) {
            problems.addAll(ConfigurationCheck.problemsOf(e));
        }
        return problems;
    }
}
