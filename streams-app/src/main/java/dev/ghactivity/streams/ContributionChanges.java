package dev.ghactivity.streams;

import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns every change of an input table (old value, new value; a null value is a tombstone) into one
 * {@link ContributionChange} keyed by repository: what the item counted in before, what it counts in now. Its store
 * keeps, per input key, what the item was last counted in (a few dozen bytes, not the whole event). A re-polled
 * item that counts where it did forwards nothing.
 */
final class ContributionChanges<V> implements Processor<String, V, String, ContributionChange> {
    private final String storeName;
    private final Function<V, ItemContributions> contributions;
    private ProcessorContext<String, ContributionChange> context;
    private KeyValueStore<String, ItemContributions> counted;

    ContributionChanges(String storeName, Function<V, ItemContributions> contributions) {
        this.storeName = storeName;
        this.contributions = contributions;
    }

    @Override
    public void init(ProcessorContext<String, ContributionChange> context) {
        this.context = context;
        this.counted = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, V> record) {
        if (record.key() == null) {
            return; // not an identity: nothing could ever retract it
        }
        ItemContributions before = counted.get(record.key());
        ItemContributions after = record.value() == null ? null : contributions.apply(record.value());
        boolean changed = !Objects.equals(before, after);
        PromptCommit.processed(context, changed);
        if (!changed) {
            return;
        }
        counted.put(record.key(), after); // null deletes (put, not delete(): that would read the old value again)
        if (before != null && after != null && !before.repo().equals(after.repo())) {
            context.forward(record.withKey(before.repo()).withValue(new ContributionChange(before, null)));
            context.forward(record.withKey(after.repo()).withValue(new ContributionChange(null, after)));
        } else {
            String repo = after != null ? after.repo() : before.repo();
            context.forward(record.withKey(repo).withValue(new ContributionChange(before, after)));
        }
    }
}
