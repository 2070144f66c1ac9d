package computer.aesthetic.moodsync.mongo.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with {@link MongoTestExtension}: each test may take a fresh
 * {@link com.mongodb.client.MongoDatabase} (or the class's {@link com.mongodb.client.MongoClient}) as a parameter.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MongoTestExtension.class)
public @interface MongoTest {
}
