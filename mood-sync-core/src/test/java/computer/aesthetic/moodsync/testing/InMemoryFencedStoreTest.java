package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.spi.FencedMoodStoreContract;
import computer.aesthetic.moodsync.spi.MoodStore;

class InMemoryFencedStoreTest extends FencedMoodStoreContract {
    @Override
    protected MoodStore newStore() {
        return InMemoryMoodStore.create();
    }
}
