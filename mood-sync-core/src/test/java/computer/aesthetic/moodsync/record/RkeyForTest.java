package computer.aesthetic.moodsync.record;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RkeyForTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // Golden values (cross-checked by an independent Python implementation of the Javadoc derivation):
        // these must never change, or every retry after an upgrade would write a second record.
        "000000000000000000000000, 2222222222222",
        "65f1c0ffee0000000000abcd, 3knlkjmbeghxs",
        "6707a1b2c3d4e5f6a7b8c9d0, 3l65ktkjzukgv",
        "ffffffffffffffffffffffff, 5u4bzzztahz22",
        "507f1f77bcf86cd799439011, 3agcyyyc6qlit",
    })
    void rkeyForIsAPureStableFunctionOfTheId(String id, String expected) {
        assertThat(MoodRecords.rkeyFor(MoodId.parse(id))).isEqualTo(new RecordKey(expected));
        assertThat(MoodRecords.rkeyFor(MoodId.parse(id))).isEqualTo(MoodRecords.rkeyFor(MoodId.parse(id)));
    }

    @Test
    void derivationMatchesItsJavadoc() {
        MoodId id = MoodId.of(1_728_000_000L, 0x12_3456_789AL, 1_234_567);
        Tid tid = MoodRecords.tidFor(id);
        long r = 0x12_3456_789AL;
        assertThat(tid.micros()).isEqualTo(1_728_000_000L * 1_000_000L + 234_567);
        assertThat(tid.clockId()).isEqualTo((int) ((r ^ (r >>> 10) ^ (r >>> 20) ^ (r >>> 30)) & 0x3FF));
        assertThat(tid.instant().getEpochSecond()).isEqualTo(1_728_000_000L);
    }

    @Test
    void everyKeyIsAValidTidRecordKey() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[12];
            for (int j = 0; j < 12; j++) {
                b[j] = (byte) random.nextInt(256);
            }
            RecordKey key = MoodRecords.rkeyFor(MoodId.fromBytes(b));
            assertThat(Tid.tryParse(key.value())).as("rkey of %s", MoodId.fromBytes(b)).isPresent();
            assertThat(key.value()).hasSize(13);
        }
    }

    @Test
    void keysSortByCreationSecond() {
        MoodId earlier = MoodId.of(1_700_000_000L, 0xFF_FFFF_FFFFL, 0xFF_FFFF);
        MoodId later = MoodId.of(1_700_000_001L, 0, 0);
        assertThat(MoodRecords.rkeyFor(earlier).value()).isLessThan(MoodRecords.rkeyFor(later).value());
    }

    @Test
    void noCollisionAmongAMillionIdsMintedInOneSecondBySeveralProcesses() {
        // Eight simulated processes, each with its own random part and counter start (as ObjectId generators
        // have), minting 125,000 ids each within the same second.
        long second = 1_760_000_000L;
        SplittableRandom random = new SplittableRandom(20261128);
        Set<String> keys = new HashSet<>(2_000_000);
        Set<Integer> clockIds = new HashSet<>();
        int processes = 8;
        int perProcess = 125_000;
        for (int p = 0; p < processes; p++) {
            long processRandom = random.nextLong(1L << 40);
            int counter = random.nextInt(1 << 24);
            clockIds.add(MoodRecords.tidFor(MoodId.of(second, processRandom, 0)).clockId());
            for (int i = 0; i < perProcess; i++) {
                MoodId id = MoodId.of(second, processRandom, counter);
                counter = (counter + 1) & 0xFF_FFFF;
                keys.add(MoodRecords.rkeyFor(id).value());
            }
        }
        assertThat(clockIds).as("each simulated process folds to its own clock id").hasSize(processes);
        assertThat(keys).hasSize(processes * perProcess);
    }

    @Test
    void oneProcessMintingIdsAcrossTheCounterWrapKeepsKeysDistinct() {
        long second = 1_760_000_000L;
        Set<String> keys = new HashSet<>();
        int counter = 0xFF_FFFF - 5_000;
        for (int i = 0; i < 10_000; i++) {
            keys.add(MoodRecords.rkeyFor(MoodId.of(second, 77L, counter)).value());
            counter = (counter + 1) & 0xFF_FFFF;
        }
        assertThat(keys).hasSize(10_000);
    }

    @Test
    void generatedIdsOfThisProcessNeverShareAKey() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            keys.add(MoodRecords.rkeyFor(MoodId.generate()).value());
        }
        assertThat(keys).hasSize(200_000);
    }
}
