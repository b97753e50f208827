package stepfunctions

import (
	"net/http"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of the Step Functions operations, as "Actions, resources,
// and condition keys for AWS Step Functions" lists it: state machines
// (arn:aws:states:<region>:<account>:stateMachine:<name>) and executions
// (…:execution:<machine>:<name>); ListStateMachines has no resource type.
// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat are authorized on the
// state machine of the token's execution (what CDK's grantTaskResponse
// grants); a token that names no state machine (malformed) on "*", so a
// caller granted them only on a state machine is denied rather than told
// InvalidToken.
// Creating or updating a machine with a role also needs iam:PassRole on it,
// with iam:PassedToService states.amazonaws.com.

// AccessDenied is Step Functions' answer to a call IAM denied: no
// AccessDenied shape is modelled, so the SDK surfaces the generic code.
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

func passRole(roleArn string) []protocol.Access {
	if roleArn == "" {
		return nil
	}
	return []protocol.Access{{Action: "iam:PassRole", Resource: roleArn,
		Context: map[string][]string{"iam:PassedToService": {"states.amazonaws.com"}}}}
}

func (s *Service) onCreateMachine(_ *protocol.Call, in createStateMachineInput) []protocol.Access {
	return append([]protocol.Access{protocol.On(s.stateMachineArn(in.Name))}, passRole(in.RoleArn)...)
}

func onUpdateMachine(_ *protocol.Call, in updateStateMachineInput) []protocol.Access {
	return append([]protocol.Access{protocol.On(in.StateMachineArn)}, passRole(in.RoleArn)...)
}

func onMachine(_ *protocol.Call, in stateMachineRef) []protocol.Access {
	return []protocol.Access{protocol.On(in.StateMachineArn)}
}

func onStart(_ *protocol.Call, in startExecutionInput) []protocol.Access {
	return []protocol.Access{protocol.On(in.StateMachineArn)}
}

func onListExecutions(_ *protocol.Call, in listExecutionsInput) []protocol.Access {
	return []protocol.Access{protocol.On(in.StateMachineArn)}
}

func onExecution(_ *protocol.Call, in executionRef) []protocol.Access {
	return []protocol.Access{protocol.On(in.ExecutionArn)}
}

func onHistory(_ *protocol.Call, in getExecutionHistoryInput) []protocol.Access {
	return []protocol.Access{protocol.On(in.ExecutionArn)}
}

func onStop(_ *protocol.Call, in stopExecutionInput) []protocol.Access {
	return []protocol.Access{protocol.On(in.ExecutionArn)}
}

func (s *Service) onTaskToken(token string) []protocol.Access {
	if arn := s.taskStateMachine(token); arn != "" {
		return []protocol.Access{protocol.On(arn)}
	}
	return nil
}

func (s *Service) onSendTaskSuccess(_ *protocol.Call, in sendTaskSuccessInput) []protocol.Access {
	return s.onTaskToken(in.TaskToken)
}

func (s *Service) onSendTaskFailure(_ *protocol.Call, in sendTaskFailureInput) []protocol.Access {
	return s.onTaskToken(in.TaskToken)
}

func (s *Service) onSendTaskHeartbeat(_ *protocol.Call, in taskTokenRef) []protocol.Access {
	return s.onTaskToken(in.TaskToken)
}
