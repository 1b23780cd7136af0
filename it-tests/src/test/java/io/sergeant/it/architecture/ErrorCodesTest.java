package io.sergeant.it.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.sergeant.api.ErrorCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@link ErrorCode} is used: some production class outside {@code ErrorCode} itself reads the
 * constant (to throw it, or to act on it). A code nothing throws promises users an error they can never
 * see; remove it or use it.
 */
class ErrorCodesTest {

    @Test
    @DisplayName("every error code is read by some production class")
    void everyErrorCodeIsUsed() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ModuleLayout.PRODUCTION.root());
        Set<String> used = production.stream()
                .filter(javaClass -> !javaClass.getName().equals(ErrorCode.class.getName()))
                .flatMap(javaClass -> javaClass.getFieldAccessesFromSelf().stream())
                .map(JavaFieldAccess::getTarget)
                .filter(target -> target.getOwner().getName().equals(ErrorCode.class.getName()))
                .map(target -> target.getName())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> unused = Arrays.stream(ErrorCode.values()).map(Enum::name)
                .filter(name -> !used.contains(name)).collect(Collectors.toCollection(TreeSet::new));

        assertThat(used).as("error codes read by production classes").isNotEmpty();
        assertThat(unused).as("error codes no production class uses; remove them or throw them").isEmpty();
    }
}
