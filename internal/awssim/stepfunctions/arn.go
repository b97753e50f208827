package stepfunctions

import (
	"regexp"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// ARNs the operations take are checked before anything is looked up, as Step
// Functions does: a malformed one is InvalidArn (400), and only a well-formed
// ARN of nothing that exists is StateMachineDoesNotExist or
// ExecutionDoesNotExist. InvalidArn's message says what is wrong as AWS's
// does: "Invalid Arn: 'Invalid ARN prefix: …'" for what is not a Step
// Functions ARN, "Invalid Arn: 'Resource type not valid in this context: …'"
// for an ARN of another kind of resource (an execution's where a state
// machine's is wanted), and "Invalid Arn: '…'" for one whose parts are wrong.

// Resource types of the ARNs the operations take.
const (
	stateMachineType = "stateMachine"
	executionType    = "execution"
)

var (
	partitionRe = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	regionRe    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	accountRe   = regexp.MustCompile(`^\d{12}$`)
)

// checkArn validates raw as an ARN of resource type want: a state machine's
// is arn:<partition>:states:<region>:<account>:stateMachine:<name>, with an
// optional version or alias qualifier; an execution's is
// …:execution:<state machine name>:<execution name>.
func checkArn(raw, want string) *protocol.APIError {
	parts := strings.Split(raw, ":")
	if len(parts) < 6 || parts[0] != "arn" || !partitionRe.MatchString(parts[1]) || parts[2] != "states" {
		return protocol.Err("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", raw)
	}
	if !regionRe.MatchString(parts[3]) || !accountRe.MatchString(parts[4]) {
		return protocol.Err("InvalidArn", "Invalid Arn: '%s'", raw)
	}
	if parts[5] != want {
		return protocol.Err("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", parts[5])
	}
	names := parts[6:]
	switch {
	case want == stateMachineType && (len(names) < 1 || len(names) > 2),
		want == executionType && len(names) != 2:
		return protocol.Err("InvalidArn", "Invalid Arn: '%s'", raw)
	}
	for _, n := range names {
		if n == "" {
			return protocol.Err("InvalidArn", "Invalid Arn: '%s'", raw)
		}
	}
	return nil
}
