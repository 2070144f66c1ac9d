package computer.aesthetic.moodsync.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Where the time goes: wraps an interface (the {@code AtprotoRepo}, the {@code MoodStore}) in a proxy that adds up
 * the wall time and the count of each method. The overhead (a reflective call, two {@code nanoTime}) is a few
 * hundred nanoseconds a call, against milliseconds of HTTP or MongoDB. A method returning a stream is timed until
 * it returns, and the production of the stream's elements separately, as {@code NAME(stream)}.
 */
final class Timing {
    private final String prefix;
    private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

    Timing(String prefix) {
        this.prefix = prefix;
    }

    @SuppressWarnings("unchecked")
    <T> T wrap(Class<T> type, T delegate) {
        InvocationHandler h = (proxy, method, args) -> {
            long t0 = System.nanoTime();
            try {
                Object result = method.invoke(delegate, args);
                return result instanceof Stream<?> stream ? timed(method.getName(), stream) : result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                add(method.getName(), System.nanoTime() - t0);
            }
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
    }

    /**
     * A stream that adds up the time spent producing its elements (for a PDS listing: the HTTP pages and the login
     * of a first call), not the time the consumer spends on them, under {@code NAME(stream)}.
     */
    private <E> Stream<E> timed(String name, Stream<E> stream) {
        Spliterator<E> sp = stream.spliterator();
        Spliterator<E> wrapped = new Spliterators.AbstractSpliterator<E>(sp.estimateSize(),
                sp.characteristics() & ~(Spliterator.SIZED | Spliterator.SUBSIZED)) {
            @Override
            public boolean tryAdvance(Consumer<? super E> action) {
                long[] inside = new long[1];
                long t0 = System.nanoTime();
                boolean more = sp.tryAdvance(e -> {
                    long a = System.nanoTime();
                    action.accept(e);
                    inside[0] += System.nanoTime() - a;
                });
                nanos.computeIfAbsent(name + "(stream)", k -> new LongAdder())
                        .add(System.nanoTime() - t0 - inside[0]);
                calls.computeIfAbsent(name + "(stream)", k -> new LongAdder()).add(more ? 1 : 0);
                return more;
            }
        };
        return StreamSupport.stream(wrapped, false).onClose(stream::close);
    }

    void add(String what, long elapsedNanos) {
        nanos.computeIfAbsent(what, k -> new LongAdder()).add(elapsedNanos);
        calls.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    /** {@code prefix.method -> "N calls, T ms"}, sorted by name. */
    Map<String, String> summary() {
        Map<String, String> out = new TreeMap<>();
        nanos.forEach((k, v) -> out.put(prefix + k, String.format("%d %s, %.1f ms", calls.get(k).sum(),
                k.endsWith("(stream)") ? "elements" : "calls", Stats.millis(v.sum()))));
        return out;
    }

    /** The time summed under {@code name}, in milliseconds (0 when never called). */
    double millis(String name) {
        LongAdder a = nanos.get(name);
        return a == null ? 0 : Stats.millis(a.sum());
    }

    void reset() {
        nanos.clear();
        calls.clear();
    }
}
