package io.portredirect.protocol.lab;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition of {@link LabTest}: runs the class only where {@link LabSupport#whyNot()} is null. */
public final class LabAvailable implements ExecutionCondition {
    private static final String WHY_NOT = "why-not";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        // asked for the class and again for each test: probe the machine once per run
        String why = context.getRoot().getStore(ExtensionContext.Namespace.create(LabAvailable.class))
                .getOrComputeIfAbsent(WHY_NOT, k -> String.valueOf(LabSupport.whyNot()), String.class);
        return "null".equals(why)
                ? ConditionEvaluationResult.enabled("lab can run")
                : ConditionEvaluationResult.disabled("SKIPPED: " + why);
    }
}
