package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.junit.jupiter.api.Test;

/** Which Kafka errors stop the producer and which only abort the transaction (KIP-1050 classes). */
class TransactionalPublisherTest {
    @Test
    void fatalErrorsStopTheProducerEvenWhenTheClientWrapsThem() {
        assertThat(TransactionalPublisher.isFatal(new ProducerFencedException("another instance"))).isTrue();
        assertThat(TransactionalPublisher.isFatal(new UnknownProducerIdException("sequence state lost"))).isTrue();
        assertThat(TransactionalPublisher.isFatal(new TransactionalIdAuthorizationException("no rights"))).isTrue();
        assertThat(TransactionalPublisher.isFatal(new KafkaException("Cannot execute transactional method because we are in an error state",
                new ProducerFencedException("another instance")))).isTrue();
    }

    @Test
    void abortableErrorsOnlyAbortTheTransaction() {
        assertThat(TransactionalPublisher.isFatal(new TransactionAbortableException("abort"))).isFalse();
        // The coordinator aborted a transaction past its timeout and bumped the epoch: abort and go on (TransactionTimeoutIT).
        assertThat(TransactionalPublisher.isFatal(new InvalidProducerEpochException("epoch bumped"))).isFalse();
        assertThat(TransactionalPublisher.isFatal(new KafkaException("Cannot perform send because at least one previous "
                + "transactional or idempotent request has failed with errors.", new InvalidProducerEpochException("epoch bumped")))).isFalse();
        assertThat(TransactionalPublisher.isFatal(new KafkaException("batch expired", new TimeoutException("delivery timeout")))).isFalse();
        assertThat(TransactionalPublisher.isFatal(new KafkaException("unexpected"))).isFalse();
    }
}
