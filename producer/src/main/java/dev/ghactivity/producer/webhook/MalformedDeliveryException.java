package dev.ghactivity.producer.webhook;

/** A correctly signed delivery whose body is not the payload its event promises (not JSON, no repository...): answered 400. */
final class MalformedDeliveryException extends Exception {
    MalformedDeliveryException(String message) {
        super(message);
    }
}
