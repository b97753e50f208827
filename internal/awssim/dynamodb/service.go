package dynamodb

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// TargetPrefix is the X-Amz-Target prefix of DynamoDB's operations.
const TargetPrefix = "DynamoDB_20120810"

// State is Amazon DynamoDB as a snapshot holds it.
type State struct {
	// Tables are keyed by "<account id>/<region>/<table name>".
	Tables map[string]*Table `json:"tables"`
	// Tokens are TransactWriteItems' client request tokens of the last ten
	// minutes, keyed by "<account id>/<token>".
	Tokens map[string]Token `json:"tokens,omitempty"`
}

// Table is a DynamoDB table with its items.
type Table struct {
	Name       string                `json:"name"`
	AccountID  string                `json:"accountId"`
	Region     string                `json:"region"`
	ID         string                `json:"id"`
	Created    time.Time             `json:"created"`
	KeySchema  []KeyElement          `json:"keySchema"`
	Attributes []AttributeDefinition `json:"attributeDefinitions"`
	// BillingMode is PAY_PER_REQUEST or PROVISIONED, with its capacities.
	BillingMode   string `json:"billingMode"`
	ReadCapacity  int64  `json:"readCapacity,omitempty"`
	WriteCapacity int64  `json:"writeCapacity,omitempty"`
	// KMSKeyArn is the key of SSE with KMS; empty is the AWS owned key.
	KMSKeyArn          string            `json:"kmsKeyArn,omitempty"`
	TableClass         string            `json:"tableClass,omitempty"`
	DeletionProtection bool              `json:"deletionProtection,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	TTL                TTL               `json:"ttl"`
	// Items are keyed by partition key, then sort key ("" without one), each as keyText.
	Items map[string]map[string]Item `json:"items"`
	// order holds, per partition a query has read, its sort-key texts in
	// the sort key's order, kept up to date by put and remove (derived:
	// built again when missing), so a query does not sort its partition.
	order map[string][]string
}

// KeyElement is one attribute of a key schema (also its wire form).
type KeyElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

// AttributeDefinition is a key attribute's type (also its wire form).
type AttributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

// Token is a TransactWriteItems client request token: a repeat within ten
// minutes with the same request succeeds without writing again.
type Token struct {
	At      time.Time `json:"at"`
	Request string    `json:"request"`
}

// Limits of the developer guide's "Quotas in Amazon DynamoDB".
const (
	maxItemSize     = 400 * 1024
	maxPartitionKey = 2048
	maxSortKey      = 1024
	maxPage         = 1 << 20 // a Query or Scan reads at most 1 MB
	maxBatchGet     = 100
	maxBatchWrite   = 25
	maxTransact     = 100
	tokenWindow     = 10 * time.Minute
)

// Service is Amazon DynamoDB. Its handlers run with the Env's lock held, so
// a conditional write or a transaction is atomic.
type Service struct {
	env   *protocol.Env
	state State
}

// New returns DynamoDB with no tables.
func New(env *protocol.Env) *Service {
	s := &Service{env: env}
	s.Restore(State{})
	return s
}

// Ops serves DynamoDB (JSON 1.0). Every operation first deletes the items
// TTL has expired by the call's simulated time.
func (s *Service) Ops() map[string]protocol.Handler {
	return protocol.Before(map[string]protocol.Handler{
		"CreateTable":        protocol.OpOn(s.createTable, s.onCreateTable),
		"DescribeTable":      protocol.OpOn(s.describeTable, onTable(s, func(in describeTableInput) string { return in.TableName })),
		"DeleteTable":        protocol.OpOn(s.deleteTable, onTable(s, func(in deleteTableInput) string { return in.TableName })),
		"ListTables":         protocol.Op(s.listTables),
		"UpdateTimeToLive":   protocol.OpOn(s.updateTimeToLive, onTable(s, func(in updateTTLInput) string { return in.TableName })),
		"DescribeTimeToLive": protocol.OpOn(s.describeTimeToLive, onTable(s, func(in describeTTLInput) string { return in.TableName })),
		"TagResource":        protocol.OpOn(s.tagResource, s.onTagResource),
		"UntagResource":      protocol.OpOn(s.untagResource, s.onUntagResource),
		"ListTagsOfResource": protocol.OpOn(s.listTagsOfResource, onTable(s, func(in listTagsInput) string { return in.ResourceArn })),
		"PutItem":            protocol.OpOn(s.putItem, onTable(s, func(in putItemInput) string { return in.TableName })),
		"GetItem":            protocol.OpOn(s.getItem, onTable(s, func(in getItemInput) string { return in.TableName })),
		"DeleteItem":         protocol.OpOn(s.deleteItem, onTable(s, func(in deleteItemInput) string { return in.TableName })),
		"UpdateItem":         protocol.OpOn(s.updateItem, onTable(s, func(in updateItemInput) string { return in.TableName })),
		"Query":              protocol.OpOn(s.query, onTable(s, func(in queryInput) string { return in.TableName })),
		"Scan":               protocol.OpOn(s.scan, onTable(s, func(in scanInput) string { return in.TableName })),
		"BatchGetItem":       protocol.OpOn(s.batchGetItem, s.onBatchGet),
		"BatchWriteItem":     protocol.OpOn(s.batchWriteItem, s.onBatchWrite),
		"TransactWriteItems": protocol.OpOn(s.transactWriteItems, s.onTransactWrite),
		"TransactGetItems":   protocol.OpOn(s.transactGetItems, s.onTransactGet),
	}, func(c *protocol.Call) *protocol.APIError {
		s.advance(c.Now)
		return nil
	})
}

// State is the state a snapshot holds, with what TTL has deleted by now
// gone. The lock is held.
func (s *Service) State() State {
	s.advance(s.env.Now())
	return s.state
}

// Restore replaces the state with one a snapshot held. Expiry is worked out
// from the clock at each call, so there is nothing to resume. The lock is held.
func (s *Service) Restore(st State) {
	s.state = st
	if s.state.Tables == nil {
		s.state.Tables = map[string]*Table{}
	}
	if s.state.Tokens == nil {
		s.state.Tokens = map[string]Token{}
	}
	for _, t := range s.state.Tables {
		if t.Items == nil {
			t.Items = map[string]map[string]Item{}
		}
	}
}

// advance brings every table up to now: TTL's sweeps, and client request
// tokens past their window.
func (s *Service) advance(now time.Time) {
	for _, key := range sortedKeys(s.state.Tables) {
		s.sweep(s.state.Tables[key], now)
	}
	for k, tok := range s.state.Tokens {
		if !tok.At.Add(tokenWindow).After(now) {
			delete(s.state.Tokens, k)
		}
	}
}

// --- errors ---

// The namespaces of DynamoDB's error types on the wire; the SDK keeps what
// follows the "#".
const (
	nsDynamoDB = "com.amazonaws.dynamodb.v20120810#"
	nsValidate = "com.amazon.coral.validate#"
)

// validation is DynamoDB's ValidationException.
func validation(format string, args ...any) *protocol.APIError {
	return protocol.Err(nsValidate+"ValidationException", format, args...)
}

// inputConstraint is the ValidationException of a member that breaks the
// service model's constraints, as AWS words it.
func inputConstraint(value any, member, constraint string) *protocol.APIError {
	return validation("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func resourceNotFound() *protocol.APIError {
	return protocol.Err(nsDynamoDB+"ResourceNotFoundException", "Requested resource not found")
}

func tableNotFound(name string) *protocol.APIError {
	return protocol.Err(nsDynamoDB+"ResourceNotFoundException", "Requested resource not found: Table: %s not found", name)
}

// conditionFailed is ConditionalCheckFailedException, with the item as it
// is when the request asked for it (ReturnValuesOnConditionCheckFailure ALL_OLD).
func conditionFailed(old Item, returnOld bool) *protocol.APIError {
	e := protocol.Err(nsDynamoDB+"ConditionalCheckFailedException", "The conditional request failed")
	if returnOld && old != nil {
		e.Fields = map[string]any{"Item": old}
	}
	return e
}

// AccessDenied is DynamoDB's answer to a call IAM denied: AccessDeniedException
// of the coral service namespace, status 400, with IAM's message.
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "com.amazon.coral.service#AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

// Throttle is DynamoDB's throttling error, which the SDK retries.
func Throttle() *protocol.APIError {
	return &protocol.APIError{Code: "com.amazon.coral.availability#ThrottlingException", Message: "Rate of requests exceeds the allowed throughput.", Status: http.StatusBadRequest}
}

// --- tables by name ---

var tableNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// checkTableName refuses a name (or table ARN) the service model does not allow.
func checkTableName(name string) *protocol.APIError {
	switch {
	case strings.HasPrefix(name, "arn:"):
		if len(name) > 1024 {
			return inputConstraint(name, "tableName", "Member must have length less than or equal to 1024")
		}
		return nil
	case len(name) < 3:
		return inputConstraint(name, "tableName", "Member must have length greater than or equal to 3")
	case len(name) > 255:
		return inputConstraint(name, "tableName", "Member must have length less than or equal to 255")
	case !tableNameRe.MatchString(name):
		return inputConstraint(name, "tableName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	return nil
}

// region is the Region a call addresses: the one its signature names.
func (s *Service) region(c *protocol.Call) string {
	if c.Region != "" {
		return c.Region
	}
	return s.env.Region
}

// tableKey is the state key of the table a name or ARN gives, with the name.
func (s *Service) tableKey(c *protocol.Call, nameOrArn string) (key, name string) {
	account, region, name := c.Caller.AccountID, s.region(c), nameOrArn
	if a, r, n, ok := parseTableArn(nameOrArn); ok {
		account, region, name = a, r, n
	}
	return account + "/" + region + "/" + name, name
}

// parseTableArn splits arn:aws:dynamodb:<region>:<account>:table/<name>.
func parseTableArn(arn string) (account, region, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") {
		return "", "", "", false
	}
	name = strings.TrimPrefix(parts[5], "table/")
	if name == "" || strings.Contains(name, "/") {
		return "", "", "", false
	}
	return parts[4], parts[3], name, true
}

// itemTable is the table an item operation names: ResourceNotFoundException
// without the table's name when there is none, as AWS answers item calls.
func (s *Service) itemTable(c *protocol.Call, nameOrArn string) (*Table, *protocol.APIError) {
	if aerr := checkTableName(nameOrArn); aerr != nil {
		return nil, aerr
	}
	key, _ := s.tableKey(c, nameOrArn)
	t := s.state.Tables[key]
	if t == nil {
		return nil, resourceNotFound()
	}
	return t, nil
}

// Arn is the table's ARN.
func (t *Table) Arn() string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", t.Region, t.AccountID, t.Name)
}

func (t *Table) hashKey() string { return t.KeySchema[0].AttributeName }

// rangeKey is the sort key's name, empty when the table has none.
func (t *Table) rangeKey() string {
	if len(t.KeySchema) < 2 {
		return ""
	}
	return t.KeySchema[1].AttributeName
}

func (t *Table) isKey(name string) bool { return name == t.hashKey() || name == t.rangeKey() }

func (t *Table) attrType(name string) string {
	for _, a := range t.Attributes {
		if a.AttributeName == name {
			return a.AttributeType
		}
	}
	return ""
}

// itemCount counts the items.
func (t *Table) itemCount() int {
	n := 0
	for _, p := range t.Items {
		n += len(p)
	}
	return n
}

// sizeBytes is the size of all items.
func (t *Table) sizeBytes() int {
	n := 0
	for _, p := range t.Items {
		for _, it := range p {
			n += it.size()
		}
	}
	return n
}

// --- consumed capacity ---

// consumedCapacity is ConsumedCapacity as an item call, Query or Scan answers it.
type consumedCapacity struct {
	TableName          string          `json:"TableName"`
	CapacityUnits      float64         `json:"CapacityUnits"`
	ReadCapacityUnits  float64         `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits float64         `json:"WriteCapacityUnits,omitempty"`
	Table              *capacityByPart `json:"Table,omitempty"`
}

type capacityByPart struct {
	CapacityUnits      float64 `json:"CapacityUnits"`
	ReadCapacityUnits  float64 `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits float64 `json:"WriteCapacityUnits,omitempty"`
}

// checkReturnCapacity refuses a ReturnConsumedCapacity the model does not list.
func checkReturnCapacity(want string) *protocol.APIError {
	if want != "" && !slices.Contains([]string{"INDEXES", "TOTAL", "NONE"}, want) {
		return inputConstraint(want, "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
	}
	return nil
}

// readUnits are the read capacity units of reading size bytes: one per 4 KB,
// half of that eventually consistent.
func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// writeUnits are the write capacity units of writing size bytes: one per 1 KB.
func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

// capacity is the ConsumedCapacity to answer, nil unless the request asked
// for it (TOTAL, or INDEXES, which adds the table's own share).
func capacity(t *Table, want string, units float64, write bool) *consumedCapacity {
	if want != "TOTAL" && want != "INDEXES" {
		return nil
	}
	c := &consumedCapacity{TableName: t.Name, CapacityUnits: units}
	part := capacityByPart{CapacityUnits: units}
	if write {
		c.WriteCapacityUnits, part.WriteCapacityUnits = units, units
	} else {
		c.ReadCapacityUnits, part.ReadCapacityUnits = units, units
	}
	if want == "INDEXES" {
		c.Table = &part
	}
	return c
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
