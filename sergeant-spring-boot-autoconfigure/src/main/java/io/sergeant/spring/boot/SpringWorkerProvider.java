package io.sergeant.spring.boot;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.worker.Worker;
import io.sergeant.spi.worker.WorkerProvider;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

import java.util.Objects;

/**
 * Workers made by Spring: the application's bean of the worker's class when there is one (a
 * prototype-scoped bean gives a fresh worker per call), otherwise a new instance autowired by the
 * application context (constructor injection, {@code @Autowired} fields, {@code @Value}). Thread safe.
 */
public final class SpringWorkerProvider implements WorkerProvider {

    private final ConfigurableListableBeanFactory beans;

    /** Workers from this bean factory. */
    public SpringWorkerProvider(ConfigurableListableBeanFactory beans) {
        this.beans = Objects.requireNonNull(beans, "beans is null");
    }

    @Override
    public Worker create(Class<? extends Worker> type) {
        try {
            Worker bean = beans.getBeanProvider(type).getIfUnique();
            if (bean != null) {
                return bean;
            }
            if (beans.getBeanNamesForType(type).length > 1) {
                throw new NoUniqueBeanDefinitionException(type, beans.getBeanNamesForType(type));
            }
            return beans.createBean(type);
        } catch (NoUniqueBeanDefinitionException e) {
            throw new SergeantException(ErrorCode.WORKER_CLASS_NOT_FOUND, "several Spring beans are workers of class "
                    + type.getName() + ": " + String.join(", ", e.getBeanNamesFound() == null ? java.util.List.of()
                    : e.getBeanNamesFound()) + "; keep one, or make the worker by its own class", e);
        } catch (BeansException e) {
            if (e.getMostSpecificCause() instanceof RuntimeException cause && !(cause instanceof BeansException)) {
                throw cause; // the worker's constructor threw: a constructor failure, not a wiring problem
            }
            throw new SergeantException(ErrorCode.WORKER_CLASS_NOT_FOUND, "Spring cannot make worker " + type.getName()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Spring";
    }
}
