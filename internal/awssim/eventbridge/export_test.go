package eventbridge

// DeliveryAttempts is how often a failing target is tried, for the tests.
const DeliveryAttempts = deliveryAttempts
