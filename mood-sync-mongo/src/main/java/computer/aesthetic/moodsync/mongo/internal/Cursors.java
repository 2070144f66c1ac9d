package computer.aesthetic.moodsync.mongo.internal;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCursor;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Lazy streams over driver cursors: closing the stream closes the cursor; failures become store exceptions. */
public final class Cursors {
    private Cursors() {
    }

    /**
     * Streams a cursor, mapping each element and skipping those the mapping leaves empty.
     *
     * @param operation the store operation, named in failures
     * @param cursor the open cursor; closed when the stream is closed
     * @param mapping maps an element, or returns empty to skip it
     * @param <S> the cursor's element type
     * @param <T> the stream's element type
     * @return the lazy, ordered stream
     */
    public static <S, T> Stream<T> stream(String operation, MongoCursor<S> cursor, Function<S, Optional<T>> mapping) {
        Spliterator<T> spliterator = new Spliterators.AbstractSpliterator<T>(Long.MAX_VALUE,
                Spliterator.ORDERED | Spliterator.NONNULL) {
            @Override
            public boolean tryAdvance(Consumer<? super T> action) {
                while (true) {
                    S next;
                    try {
                        if (!cursor.hasNext()) {
                            return false;
                        }
                        next = cursor.next();
                    } catch (MongoException e) {
                        throw Errors.wrap(operation, e);
                    }
                    Optional<T> mapped = mapping.apply(next);
                    if (mapped.isPresent()) {
                        action.accept(mapped.get());
                        return true;
                    }
                }
            }
        };
        return StreamSupport.stream(spliterator, false).onClose(cursor::close);
    }
}
