package eventbridge

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of the EventBridge operations, as "Actions, resources,
// and condition keys for Amazon EventBridge" lists it: buses
// (arn:aws:events:<region>:<account>:event-bus/<name>), rules (…:rule/<name>
// on the default bus, …:rule/<bus>/<name> on another) and archives
// (…:archive/<name>). PutEvents is authorized once per entry, on the entry's
// bus with events:source and events:detail-type set to the entry's, so a
// policy that allows one source refuses a call carrying another; every entry
// must be allowed. PutTargets sets events:TargetArn.

// AccessDenied is EventBridge's answer to a call IAM denied: its modelled
// AccessDeniedException.
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

// busAt is the ARN of the bus a name or ARN names in the call's Region;
// empty is the default bus.
func (s *Service) busAt(c *protocol.Call, nameOrArn string) string {
	switch {
	case nameOrArn == "":
		return s.busArn(s.regionOf(c), "default")
	case strings.HasPrefix(nameOrArn, "arn:"):
		return nameOrArn
	}
	return s.busArn(s.regionOf(c), nameOrArn)
}

// ruleAt is the ARN of a rule on the bus a name or ARN names, in the call's Region.
func (s *Service) ruleAt(c *protocol.Call, busNameOrArn, name string) string {
	region := s.regionOf(c)
	bus := busNameOrArn
	if i := strings.LastIndex(bus, "event-bus/"); strings.HasPrefix(bus, "arn:") && i >= 0 {
		bus = bus[i+len("event-bus/"):]
	}
	if bus == "" || bus == "default" {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, s.env.ManagementAccountID, name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", region, s.env.ManagementAccountID, bus, name)
}

// onPutEvents is one access per entry.
func (s *Service) onPutEvents(c *protocol.Call, in putEventsInput) []protocol.Access {
	access := make([]protocol.Access, 0, len(in.Entries))
	for _, e := range in.Entries {
		access = append(access, protocol.Access{Resource: s.busAt(c, e.EventBusName), Context: map[string][]string{
			"events:source":      {e.Source},
			"events:detail-type": {e.DetailType},
		}})
	}
	return access
}

func (s *Service) onBus(c *protocol.Call, in busName) []protocol.Access {
	return []protocol.Access{protocol.On(s.busAt(c, in.Name))}
}

func (s *Service) onCreateBus(c *protocol.Call, in createEventBusInput) []protocol.Access {
	return []protocol.Access{protocol.On(s.busAt(c, in.Name))}
}

func (s *Service) onUpdateBus(c *protocol.Call, in updateEventBusInput) []protocol.Access {
	return []protocol.Access{protocol.On(s.busAt(c, in.Name))}
}

func (s *Service) onPutRule(c *protocol.Call, in putRuleInput) []protocol.Access {
	return []protocol.Access{protocol.On(s.ruleAt(c, in.EventBusName, in.Name))}
}

func (s *Service) onRule(c *protocol.Call, in ruleRef) []protocol.Access {
	return []protocol.Access{protocol.On(s.ruleAt(c, in.EventBusName, in.Name))}
}

// onPutTargets sets events:TargetArn to the targets' ARNs (not their
// dead-letter queues, as the reference notes).
func (s *Service) onPutTargets(c *protocol.Call, in putTargetsInput) []protocol.Access {
	a := protocol.On(s.ruleAt(c, in.EventBusName, in.Rule))
	if len(in.Targets) > 0 {
		arns := make([]string, 0, len(in.Targets))
		for _, t := range in.Targets {
			arns = append(arns, t.Arn)
		}
		sort.Strings(arns)
		a.Context = map[string][]string{"events:TargetArn": arns}
	}
	return []protocol.Access{a}
}

func (s *Service) onRemoveTargets(c *protocol.Call, in removeTargetsInput) []protocol.Access {
	return []protocol.Access{protocol.On(s.ruleAt(c, in.EventBusName, in.Rule))}
}

func (s *Service) onTargetsByRule(c *protocol.Call, in struct{ Rule, EventBusName string }) []protocol.Access {
	return []protocol.Access{protocol.On(s.ruleAt(c, in.EventBusName, in.Rule))}
}

// onCreateArchive is on the archive and on the bus whose events it keeps.
func (s *Service) onCreateArchive(c *protocol.Call, in struct{ ArchiveName, EventSourceArn string }) []protocol.Access {
	return []protocol.Access{
		protocol.On(fmt.Sprintf("arn:aws:events:%s:%s:archive/%s", s.regionOf(c), s.env.ManagementAccountID, in.ArchiveName)),
		protocol.On(s.busAt(c, in.EventSourceArn)),
	}
}
