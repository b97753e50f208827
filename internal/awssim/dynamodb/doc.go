// Package dynamodb simulates Amazon DynamoDB (awsJson 1.0, target prefix
// DynamoDB_20120810): the tables of every account and Region with their items,
// read and written through the expression language (conditions, filters, key
// conditions, updates, projections) as the API reference and the developer
// guide describe it, with AWS's error types and messages. The root package
// awssim builds a Service over its protocol.Env and routes the
// DynamoDB_20120810 operations to it.
//
// Served: CreateTable, DescribeTable, DeleteTable, ListTables,
// UpdateTimeToLive, DescribeTimeToLive, TagResource, UntagResource,
// ListTagsOfResource; PutItem, GetItem, DeleteItem, UpdateItem, Query, Scan
// (parallel scans too), BatchGetItem, BatchWriteItem, TransactWriteItems (with
// client request tokens) and TransactGetItems. Every handler runs with the
// simulator's lock held, so a conditional write and a transaction are atomic.
//
// Where the simulator differs from AWS, on purpose:
//   - Tables are ACTIVE at once: CreateTable answers CREATING, as AWS does,
//     and every later call finds the table ACTIVE and usable; DeleteTable
//     answers DELETING and the table is gone at once. ItemCount and
//     TableSizeBytes are exact at every call (AWS updates them about every six
//     hours).
//   - Time to live: a sweep every ten minutes of simulated time, counted from
//     the world's start, deletes the items whose TTL attribute (a Number of
//     epoch seconds) is at or before the sweep and at most five years before
//     it. An expired item is read, queried and counted until that sweep, so a
//     client must still filter expired items, as on AWS (which takes up to a
//     few days). Sweeps are worked out from the clock at each call; no timer
//     runs and a snapshot needs no resuming. Enabling or disabling TTL takes
//     effect at once (no ENABLING state); a second change within an hour is
//     refused as on AWS.
//   - Every read is strongly consistent; ConsistentRead only halves or not
//     the consumed capacity reported. Nothing is ever throttled by capacity
//     and nothing is left unprocessed by a batch (faults can throttle calls).
//   - Scan returns the partitions in the order of their keys (AWS: the order
//     of their hash); within a partition items are in sort key order.
//   - Not served: secondary indexes, streams, resource-based policies,
//     PartiQL, backups, global tables, imports and exports, UpdateTable.
//     The legacy parameters (Expected, AttributesToGet, AttributeUpdates,
//     KeyConditions, QueryFilter, ScanFilter, ConditionalOperator) are refused
//     with a ValidationException naming the expression to use instead.
//   - Numbers are kept and answered in canonical form ("1.50" is "1.5"), with
//     38 digits of precision through math/big. Messages for rare mistakes
//     follow AWS's wording where it is documented or well known, and are
//     plausible elsewhere.
//
// It may import internal/awssim/protocol and the standard library; not the
// root package awssim nor any other service package. Tables belong to the
// calling principal's account and the Region its request was signed for.
package dynamodb
