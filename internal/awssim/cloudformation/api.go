package cloudformation

import (
	"encoding/xml"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The CloudFormation actions at the wire level: parse the form, find the
// stacks, render the answer as the CloudFormation API Reference shows it.

// members is a Query-protocol list: <member> elements in a wrapper that is
// there even when the list is empty.
type members[T any] struct {
	Member []T `xml:"member"`
}

type driftXML struct {
	StackDriftStatus string `xml:"StackDriftStatus"`
}

type outputXML struct {
	OutputKey   string `xml:"OutputKey"`
	OutputValue string `xml:"OutputValue"`
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// stackXML is CloudFormation's Stack shape, in the order of the API
// Reference's DescribeStacks example.
type stackXML struct {
	StackName                   string `xml:"StackName"`
	StackID                     string `xml:"StackId"`
	Description                 string `xml:"Description,omitempty"`
	CreationTime                string `xml:"CreationTime"`
	LastUpdatedTime             string `xml:"LastUpdatedTime,omitempty"`
	StackStatus                 string `xml:"StackStatus"`
	DisableRollback             bool   `xml:"DisableRollback"`
	NotificationARNs            members[string]
	Outputs                     members[outputXML]
	Tags                        members[tagXML]
	EnableTerminationProtection bool     `xml:"EnableTerminationProtection"`
	DriftInformation            driftXML `xml:"DriftInformation"`
}

type describeStacksResult struct {
	XMLName   xml.Name `xml:"DescribeStacksResult"`
	Stacks    members[stackXML]
	NextToken string `xml:"NextToken,omitempty"`
}

type stackSummaryXML struct {
	StackID             string   `xml:"StackId"`
	StackName           string   `xml:"StackName"`
	TemplateDescription string   `xml:"TemplateDescription,omitempty"`
	CreationTime        string   `xml:"CreationTime"`
	LastUpdatedTime     string   `xml:"LastUpdatedTime,omitempty"`
	StackStatus         string   `xml:"StackStatus"`
	DriftInformation    driftXML `xml:"DriftInformation"`
}

type listStacksResult struct {
	XMLName        xml.Name `xml:"ListStacksResult"`
	StackSummaries members[stackSummaryXML]
	NextToken      string `xml:"NextToken,omitempty"`
}

type stackResourceXML struct {
	StackName          string `xml:"StackName"`
	StackID            string `xml:"StackId"`
	LogicalResourceID  string `xml:"LogicalResourceId"`
	PhysicalResourceID string `xml:"PhysicalResourceId"`
	ResourceType       string `xml:"ResourceType"`
	Timestamp          string `xml:"Timestamp"`
	ResourceStatus     string `xml:"ResourceStatus"`
	DriftInformation   struct {
		StackResourceDriftStatus string `xml:"StackResourceDriftStatus"`
	} `xml:"DriftInformation"`
}

type describeStackResourcesResult struct {
	XMLName        xml.Name `xml:"DescribeStackResourcesResult"`
	StackResources members[stackResourceXML]
}

// timestamp is CloudFormation's time format: UTC, with milliseconds.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func (s *Service) describeStacks(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	stacks := s.visible(c)
	if name := form.Get("StackName"); name != "" {
		st := s.find(c, name)
		if st == nil {
			return nil, validation("Stack with id %s does not exist", name)
		}
		stacks = []*Stack{st}
	}
	page, next, ok := protocol.PageOf(stacks, form.Get("NextToken"), 0, 100)
	if !ok {
		return nil, validation("Invalid NextToken: %s", form.Get("NextToken"))
	}
	var out []stackXML
	for _, st := range page {
		out = append(out, s.toXML(c, st))
	}
	return describeStacksResult{Stacks: members[stackXML]{out}, NextToken: next}, nil
}

func (s *Service) toXML(c *protocol.Call, st *Stack) stackXML {
	x := stackXML{StackName: st.Name, StackID: st.ID, Description: st.Description, CreationTime: timestamp(st.Created),
		LastUpdatedTime: timestamp(st.Updated), StackStatus: st.Status, EnableTerminationProtection: st.TerminationProtection,
		DriftInformation: driftXML{StackDriftStatus: "NOT_CHECKED"}}
	for _, o := range st.Outputs {
		x.Outputs.Member = append(x.Outputs.Member, outputXML{OutputKey: o.Key, OutputValue: s.onEndpoint(c, o.Value)})
	}
	for _, k := range slices.Sorted(maps.Keys(st.Tags)) {
		x.Tags.Member = append(x.Tags.Member, tagXML{Key: k, Value: st.Tags[k]})
	}
	return x
}

// stackStatuses are the values of StackStatus.
var stackStatuses = []string{
	"CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",
	"DELETE_IN_PROGRESS", "DELETE_FAILED", "DELETE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
	"UPDATE_COMPLETE", "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED",
	"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS",
	"IMPORT_IN_PROGRESS", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE",
}

func (s *Service) listStacks(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	filter := map[string]bool{}
	for i := 1; form.Has("StackStatusFilter.member." + strconv.Itoa(i)); i++ {
		v := form.Get("StackStatusFilter.member." + strconv.Itoa(i))
		if !slices.Contains(stackStatuses, v) {
			return nil, validation("1 validation error detected: Value '%s' at 'stackStatusFilter.%d.member' failed to satisfy constraint: Member must satisfy enum value set: %v", v, i, stackStatuses)
		}
		filter[v] = true
	}
	var summaries []stackSummaryXML
	for _, st := range s.visible(c) {
		if len(filter) > 0 && !filter[st.Status] {
			continue
		}
		summaries = append(summaries, stackSummaryXML{StackID: st.ID, StackName: st.Name, TemplateDescription: st.Description,
			CreationTime: timestamp(st.Created), LastUpdatedTime: timestamp(st.Updated), StackStatus: st.Status,
			DriftInformation: driftXML{StackDriftStatus: "NOT_CHECKED"}})
	}
	page, next, ok := protocol.PageOf(summaries, form.Get("NextToken"), 0, 100)
	if !ok {
		return nil, validation("Invalid NextToken: %s", form.Get("NextToken"))
	}
	return listStacksResult{StackSummaries: members[stackSummaryXML]{page}, NextToken: next}, nil
}

func (s *Service) describeStackResources(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	st, aerr := s.resourcesStack(c, form)
	if aerr != nil {
		return nil, aerr
	}
	logical := form.Get("LogicalResourceId")
	var out []stackResourceXML
	for _, r := range st.Resources {
		if logical != "" && r.LogicalID != logical {
			continue
		}
		x := stackResourceXML{StackName: st.Name, StackID: st.ID, LogicalResourceID: r.LogicalID,
			PhysicalResourceID: s.onEndpoint(c, r.PhysicalID), ResourceType: r.Type, Timestamp: timestamp(st.Created),
			ResourceStatus: "CREATE_COMPLETE"}
		x.DriftInformation.StackResourceDriftStatus = "NOT_CHECKED"
		out = append(out, x)
	}
	return describeStackResourcesResult{StackResources: members[stackResourceXML]{out}}, nil
}

// resourcesStack is the stack DescribeStackResources asks about: the one
// StackName names, or the one with a resource PhysicalResourceId names.
func (s *Service) resourcesStack(c *protocol.Call, form url.Values) (*Stack, *protocol.APIError) {
	if name := form.Get("StackName"); name != "" {
		if st := s.find(c, name); st != nil {
			return st, nil
		}
		return nil, validation("Stack with id %s does not exist", name)
	}
	physical := form.Get("PhysicalResourceId")
	if physical == "" {
		return nil, validation("Either StackName or PhysicalResourceId must be specified.")
	}
	for _, st := range s.visible(c) {
		for _, r := range st.Resources {
			if r.PhysicalID == physical || s.onEndpoint(c, r.PhysicalID) == physical {
				return st, nil
			}
		}
	}
	return nil, validation("Stack for %s does not exist", physical)
}

func validation(format string, args ...any) *protocol.APIError {
	return protocol.Err("ValidationError", format, args...)
}
