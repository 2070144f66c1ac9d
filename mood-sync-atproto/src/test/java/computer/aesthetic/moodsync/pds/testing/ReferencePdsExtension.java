package computer.aesthetic.moodsync.pds.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts ONE shared {@link ReferencePds} (default options: no rate limits, three accounts) per test run
 * and injects it into test constructors, lifecycle methods and test methods that declare a
 * {@link ReferencePds} parameter. The instance lives in the root {@link ExtensionContext.Store} and is
 * stopped when the run ends.
 *
 * <pre>{@code
 * @ExtendWith(ReferencePdsExtension.class)
 * class SomethingIT {
 *     @Test
 *     void works(ReferencePds pds) { ... pds.url() ... pds.account(0) ... }
 * }
 * }</pre>
 *
 * <p>Tests share the instance: use distinct collections/rkeys or clean up after yourself. For a private
 * instance (for example with rate limits), register {@link PrivateReferencePdsExtension} instead.
 *
 * <p>If the PDS cannot start (for example node/npm are missing), every test using the extension fails
 * with the same exception; the start is not retried per class.
 */
public final class ReferencePdsExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ReferencePdsExtension.class);
    private static final String KEY = "shared-reference-pds";

    @Override
    public void beforeAll(ExtensionContext context) {
        shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ReferencePds.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        try {
            return shared(extensionContext);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("could not start the reference PDS: " + e.getMessage(), e);
        }
    }

    /** The shared instance for this test run, started on first use. */
    public static ReferencePds shared(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, key -> SharedPds.start(), SharedPds.class)
                .get();
    }

    /**
     * Store value that owns the shared instance (or remembers why it failed to start). JUnit closes it at
     * the end of the run: as an {@link AutoCloseable} (JUnit 5.13+) or as a CloseableResource.
     */
    @SuppressWarnings("deprecation") // Store.CloseableResource: kept for JUnit < 5.13 / autoclose disabled
    static final class SharedPds implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final ReferencePds pds;
        private final RuntimeException failure;

        private SharedPds(ReferencePds pds, RuntimeException failure) {
            this.pds = pds;
            this.failure = failure;
        }

        static SharedPds start() {
            try {
                return new SharedPds(ReferencePds.start(ReferencePds.Options.defaults()), null);
            } catch (RuntimeException e) {
                return new SharedPds(null, e);
            }
        }

        ReferencePds get() {
            if (failure != null) {
                throw failure;
            }
            return pds;
        }

        @Override
        public void close() {
            if (pds != null) {
                pds.close();
            }
        }
    }
}
