package dynamodb

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- table operations: CreateTable, DescribeTable, DeleteTable, ListTables, tags ---

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type createTableInput struct {
	TableName             string
	AttributeDefinitions  []AttributeDefinition
	KeySchema             []KeyElement
	BillingMode           string
	ProvisionedThroughput *struct{ ReadCapacityUnits, WriteCapacityUnits int64 }
	SSESpecification      *struct {
		Enabled        *bool
		SSEType        string
		KMSMasterKeyId string
	}
	Tags                      []tag
	TableClass                string
	DeletionProtectionEnabled bool
	StreamSpecification       *struct{ StreamEnabled bool }
	GlobalSecondaryIndexes    json.RawMessage
	LocalSecondaryIndexes     json.RawMessage
	ResourcePolicy            *string
}

func (s *Service) createTable(c *protocol.Call, in createTableInput) (any, *protocol.APIError) {
	if aerr := checkTableName(in.TableName); aerr != nil {
		return nil, aerr
	}
	switch {
	case in.GlobalSecondaryIndexes != nil || in.LocalSecondaryIndexes != nil:
		return nil, validation("The simulator serves tables without secondary indexes; leave out GlobalSecondaryIndexes and LocalSecondaryIndexes")
	case in.StreamSpecification != nil && in.StreamSpecification.StreamEnabled:
		return nil, validation("The simulator serves no DynamoDB Streams; leave StreamSpecification.StreamEnabled false")
	case in.ResourcePolicy != nil:
		return nil, validation("The simulator evaluates no resource-based policies; leave out ResourcePolicy")
	}
	if aerr := checkKeySchema(in.KeySchema, in.AttributeDefinitions); aerr != nil {
		return nil, aerr
	}
	t := &Table{Name: in.TableName, AccountID: c.Caller.AccountID, Region: s.region(c), Created: c.Now,
		KeySchema: in.KeySchema, Attributes: in.AttributeDefinitions, TableClass: in.TableClass,
		DeletionProtection: in.DeletionProtectionEnabled, Tags: map[string]string{}, Items: map[string]map[string]Item{}}
	if aerr := t.setBilling(in.BillingMode, in.ProvisionedThroughput); aerr != nil {
		return nil, aerr
	}
	if in.TableClass != "" && in.TableClass != "STANDARD" && in.TableClass != "STANDARD_INFREQUENT_ACCESS" {
		return nil, inputConstraint(in.TableClass, "tableClass", "Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]")
	}
	for _, tg := range in.Tags {
		t.Tags[tg.Key] = tg.Value
	}
	key, _ := s.tableKey(c, in.TableName)
	if s.state.Tables[key] != nil {
		return nil, protocol.Err(nsDynamoDB+"ResourceInUseException", "Table already exists: %s", in.TableName)
	}
	if sse := in.SSESpecification; sse != nil && sse.Enabled != nil && *sse.Enabled {
		if sse.SSEType != "" && sse.SSEType != "KMS" {
			return nil, validation(invalidParams+"Server-Side Encryption type %s is not supported; use KMS", sse.SSEType)
		}
		t.KMSKeyArn = s.kmsKeyArn(t, sse.KMSMasterKeyId)
	}
	t.ID = s.env.UUID()
	s.state.Tables[key] = t
	return map[string]any{"TableDescription": t.describe("CREATING")}, nil
}

// kmsKeyArn is the ARN of the key a table is encrypted with: the one given
// (an ARN, alias or key id), or a key standing for the AWS managed key
// aws/dynamodb.
func (s *Service) kmsKeyArn(t *Table, given string) string {
	prefix := fmt.Sprintf("arn:aws:kms:%s:%s:", t.Region, t.AccountID)
	switch {
	case given == "":
		return prefix + "key/" + s.env.UUID()
	case strings.HasPrefix(given, "arn:"):
		return given
	case strings.HasPrefix(given, "alias/"):
		return prefix + given
	}
	return prefix + "key/" + given
}

// checkKeySchema checks a key schema (HASH, then an optional RANGE) against
// the attribute definitions, which must define exactly its attributes.
func checkKeySchema(keys []KeyElement, defs []AttributeDefinition) *protocol.APIError {
	if len(keys) == 0 || len(keys) > 2 {
		return inputConstraint(fmt.Sprint(keys), "keySchema", fmt.Sprintf("Member must have length %s", map[bool]string{true: "greater than or equal to 1", false: "less than or equal to 2"}[len(keys) == 0]))
	}
	for i, d := range defs {
		if !slices.Contains([]string{typeS, typeN, typeB}, d.AttributeType) {
			return inputConstraint(d.AttributeType, fmt.Sprintf("attributeDefinitions.%d.member.attributeType", i+1), "Member must satisfy enum value set: [B, N, S]")
		}
	}
	for i, k := range keys {
		if k.KeyType != "HASH" && k.KeyType != "RANGE" {
			return inputConstraint(k.KeyType, fmt.Sprintf("keySchema.%d.member.keyType", i+1), "Member must satisfy enum value set: [HASH, RANGE]")
		}
	}
	if keys[0].KeyType != "HASH" {
		return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(keys) == 2 {
		if keys[1].KeyType != "RANGE" {
			return validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if keys[0].AttributeName == keys[1].AttributeName {
			return validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	var missing, defined []string
	for _, d := range defs {
		defined = append(defined, d.AttributeName)
	}
	for _, k := range keys {
		if !slices.Contains(defined, k.AttributeName) {
			missing = append(missing, k.AttributeName)
		}
	}
	if len(missing) > 0 {
		return validation(invalidParams+"Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
			strings.Join(missing, ", "), strings.Join(defined, ", "))
	}
	if len(defs) != len(keys) {
		return validation(invalidParams + "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	return nil
}

// setBilling sets the billing mode, PROVISIONED unless given, and its throughput.
func (t *Table) setBilling(mode string, throughput *struct{ ReadCapacityUnits, WriteCapacityUnits int64 }) *protocol.APIError {
	switch mode {
	case "", "PROVISIONED":
		if throughput == nil || throughput.ReadCapacityUnits == 0 || throughput.WriteCapacityUnits == 0 {
			return validation(invalidParams + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if throughput.ReadCapacityUnits < 1 || throughput.WriteCapacityUnits < 1 {
			return validation(invalidParams + "Each ReadCapacityUnits and WriteCapacityUnits must be greater than or equal to 1")
		}
		t.BillingMode, t.ReadCapacity, t.WriteCapacity = "PROVISIONED", throughput.ReadCapacityUnits, throughput.WriteCapacityUnits
	case "PAY_PER_REQUEST":
		if throughput != nil {
			return validation(invalidParams + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		t.BillingMode = mode
	default:
		return inputConstraint(mode, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
	}
	return nil
}

// tableDescription is TableDescription, with AWS's member names.
type tableDescription struct {
	AttributeDefinitions []AttributeDefinition `json:"AttributeDefinitions"`
	BillingModeSummary   *struct {
		BillingMode                       string         `json:"BillingMode"`
		LastUpdateToPayPerRequestDateTime protocol.Epoch `json:"LastUpdateToPayPerRequestDateTime"`
	} `json:"BillingModeSummary,omitempty"`
	CreationDateTime          protocol.Epoch `json:"CreationDateTime"`
	DeletionProtectionEnabled bool           `json:"DeletionProtectionEnabled"`
	ItemCount                 int            `json:"ItemCount"`
	KeySchema                 []KeyElement   `json:"KeySchema"`
	ProvisionedThroughput     struct {
		NumberOfDecreasesToday int64 `json:"NumberOfDecreasesToday"`
		ReadCapacityUnits      int64 `json:"ReadCapacityUnits"`
		WriteCapacityUnits     int64 `json:"WriteCapacityUnits"`
	} `json:"ProvisionedThroughput"`
	SSEDescription *struct {
		KMSMasterKeyArn string `json:"KMSMasterKeyArn"`
		SSEType         string `json:"SSEType"`
		Status          string `json:"Status"`
	} `json:"SSEDescription,omitempty"`
	TableArn          string                       `json:"TableArn"`
	TableClassSummary *struct{ TableClass string } `json:"TableClassSummary,omitempty"`
	TableID           string                       `json:"TableId"`
	TableName         string                       `json:"TableName"`
	TableSizeBytes    int                          `json:"TableSizeBytes"`
	TableStatus       string                       `json:"TableStatus"`
}

// describe is the table's TableDescription, in status.
func (t *Table) describe(status string) tableDescription {
	d := tableDescription{AttributeDefinitions: t.Attributes, CreationDateTime: protocol.Epoch(t.Created),
		DeletionProtectionEnabled: t.DeletionProtection, ItemCount: t.itemCount(), KeySchema: t.KeySchema,
		TableArn: t.Arn(), TableID: t.ID, TableName: t.Name, TableSizeBytes: t.sizeBytes(), TableStatus: status}
	d.ProvisionedThroughput.ReadCapacityUnits = t.ReadCapacity
	d.ProvisionedThroughput.WriteCapacityUnits = t.WriteCapacity
	if t.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary = &struct {
			BillingMode                       string         `json:"BillingMode"`
			LastUpdateToPayPerRequestDateTime protocol.Epoch `json:"LastUpdateToPayPerRequestDateTime"`
		}{t.BillingMode, protocol.Epoch(t.Created)}
	}
	if t.KMSKeyArn != "" {
		d.SSEDescription = &struct {
			KMSMasterKeyArn string `json:"KMSMasterKeyArn"`
			SSEType         string `json:"SSEType"`
			Status          string `json:"Status"`
		}{t.KMSKeyArn, "KMS", "ENABLED"}
	}
	if t.TableClass != "" {
		d.TableClassSummary = &struct{ TableClass string }{t.TableClass}
	}
	return d
}

type describeTableInput struct{ TableName string }

// table is the table a table operation names: ResourceNotFoundException
// naming it when there is none.
func (s *Service) table(c *protocol.Call, nameOrArn string) (string, *Table, *protocol.APIError) {
	if aerr := checkTableName(nameOrArn); aerr != nil {
		return "", nil, aerr
	}
	key, name := s.tableKey(c, nameOrArn)
	t := s.state.Tables[key]
	if t == nil {
		return "", nil, tableNotFound(name)
	}
	return key, t, nil
}

func (s *Service) describeTable(c *protocol.Call, in describeTableInput) (any, *protocol.APIError) {
	_, t, aerr := s.table(c, in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"Table": t.describe("ACTIVE")}, nil
}

type deleteTableInput struct{ TableName string }

func (s *Service) deleteTable(c *protocol.Call, in deleteTableInput) (any, *protocol.APIError) {
	key, t, aerr := s.table(c, in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	if t.DeletionProtection {
		return nil, validation("1 validation error detected: Table '%s' can't be deleted while DeletionProtectionEnabled is set to True", t.Name)
	}
	delete(s.state.Tables, key)
	return map[string]any{"TableDescription": t.describe("DELETING")}, nil
}

type listTablesInput struct {
	ExclusiveStartTableName string
	Limit                   *int
}

func (s *Service) listTables(c *protocol.Call, in listTablesInput) (any, *protocol.APIError) {
	limit := 100
	if in.Limit != nil {
		switch {
		case *in.Limit < 1:
			return nil, inputConstraint(*in.Limit, "limit", "Member must have value greater than or equal to 1")
		case *in.Limit > 100:
			return nil, inputConstraint(*in.Limit, "limit", "Member must have value less than or equal to 100")
		}
		limit = *in.Limit
	}
	prefix := c.Caller.AccountID + "/" + s.region(c) + "/"
	names := []string{}
	for _, key := range sortedKeys(s.state.Tables) {
		if name, ok := strings.CutPrefix(key, prefix); ok && name > in.ExclusiveStartTableName {
			names = append(names, name)
		}
	}
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	out["TableNames"] = names
	return out, nil
}

// resourceTable is the table a ResourceArn names.
func (s *Service) resourceTable(arn string) (*Table, *protocol.APIError) {
	account, region, name, ok := parseTableArn(arn)
	if !ok {
		return nil, validation("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	t := s.state.Tables[account+"/"+region+"/"+name]
	if t == nil {
		return nil, protocol.Err(nsDynamoDB+"ResourceNotFoundException", "Requested resource not found: ResourcArn: %s not found", arn)
	}
	return t, nil
}

type tagResourceInput struct {
	ResourceArn string
	Tags        []tag
}

func (s *Service) tagResource(_ *protocol.Call, in tagResourceInput) (any, *protocol.APIError) {
	t, aerr := s.resourceTable(in.ResourceArn)
	if aerr != nil {
		return nil, aerr
	}
	for _, tg := range in.Tags {
		t.Tags[tg.Key] = tg.Value
	}
	return struct{}{}, nil
}

type untagResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

func (s *Service) untagResource(_ *protocol.Call, in untagResourceInput) (any, *protocol.APIError) {
	t, aerr := s.resourceTable(in.ResourceArn)
	if aerr != nil {
		return nil, aerr
	}
	for _, k := range in.TagKeys {
		delete(t.Tags, k)
	}
	return struct{}{}, nil
}

type listTagsInput struct {
	ResourceArn string
	NextToken   string
}

func (s *Service) listTagsOfResource(_ *protocol.Call, in listTagsInput) (any, *protocol.APIError) {
	t, aerr := s.resourceTable(in.ResourceArn)
	if aerr != nil {
		return nil, aerr
	}
	tags := []tag{}
	for _, k := range sortedKeys(t.Tags) {
		tags = append(tags, tag{k, t.Tags[k]})
	}
	return map[string]any{"Tags": tags}, nil
}
