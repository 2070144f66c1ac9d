package computer.aesthetic.moodsync.pds.testing;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a private {@link ReferencePds} with its own {@link ReferencePds.Options} before a test class and stops it
 * after the class, and injects it into test methods (and lifecycle methods, constructors) that declare a
 * {@link ReferencePds} parameter, as {@link ReferencePdsExtension} does with the shared instance. For tests that need
 * options the shared one has not (rate limits, {@code PDS_*} variables, more accounts) or that change its accounts
 * (deactivate, take down, delete), so the shared instance stays untouched.
 *
 * <pre>{@code
 * class SomethingIT {
 *     @RegisterExtension
 *     static final PrivateReferencePdsExtension PDS = new PrivateReferencePdsExtension(
 *             ReferencePds.Options.defaults().withAccounts(4));
 *
 *     @Test
 *     void works(ReferencePds pds) { ... pds.url() ... pds.account(3) ... }
 * }
 * }</pre>
 *
 * <p>Register it on a static field, once per class, and not together with {@link ReferencePdsExtension} (both
 * would resolve the parameter). If the PDS cannot start (for example node/npm are missing), the class fails with
 * that exception.
 */
public final class PrivateReferencePdsExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private final ReferencePds.Options options;
    private volatile ReferencePds pds;

    /**
     * Creates the extension; the PDS starts before the class's first test.
     *
     * @param options the private instance's options
     */
    public PrivateReferencePdsExtension(ReferencePds.Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        pds = ReferencePds.start(options);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ReferencePds started = pds;
        pds = null;
        if (started != null) {
            started.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ReferencePds.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return pds();
    }

    /**
     * Returns the running instance, for static helpers of the test class.
     *
     * @return the PDS
     * @throws IllegalStateException outside the class's run (before it started, after it stopped)
     */
    public ReferencePds pds() {
        ReferencePds running = pds;
        if (running == null) {
            throw new IllegalStateException("the private reference PDS runs only during its test class");
        }
        return running;
    }
}
