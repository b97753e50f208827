package asl

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// A task token is the engine's name for one attempt of a callback task, handed
// to the task in $$.Task.Token. Like AWS's it is opaque base64 of at most 2048
// characters (the SendTask* API's limit on taskToken). Inside: a version, 24
// bytes from the engine's Rand (so a seeded run repeats its tokens), the state
// machine and execution ARNs (so the API can authorize a call against the
// state machine before it knows the task) and a CRC-32 that tells a garbled
// token (InvalidToken) from one the engine does not know (TaskDoesNotExist).
//
//	0x01 0x00 | nonce[24] | uvarint len | state machine ARN | uvarint len | execution ARN | crc32 (big-endian)

const (
	tokenNonce = 24
	// maxTokenARNs keeps the token within 2048 base64 characters (1536
	// bytes); ExecutionInfo is not checked, so an absurdly long ARN pair is
	// left out rather than making a token the API would refuse.
	maxTokenARNs = 1400
	// minTokenBytes is the version, the nonce, two empty ARNs and the CRC.
	minTokenBytes = 2 + tokenNonce + 2 + 4
)

// TaskToken is what a task token says about its task.
type TaskToken struct {
	// StateMachineARN and ExecutionARN are those the execution was started
	// with (empty if they were too long to fit in a token).
	StateMachineARN string
	ExecutionARN    string
}

// newToken makes the token of a callback task attempt of execution info.
func (e *Engine) newToken(info ExecutionInfo) string {
	b := make([]byte, 2, 64+len(info.StateMachineARN)+len(info.ARN))
	b[0] = 1
	b = append(b, e.random().bytes(tokenNonce)...)
	sm, ex := info.StateMachineARN, info.ARN
	if len(sm)+len(ex) > maxTokenARNs {
		sm, ex = "", ""
	}
	for _, s := range []string{sm, ex} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(b)
}

// ParseTaskToken reads a task token the engine made, without looking the task
// up (Engine.TaskExecution does). A token it could not have made is an error
// wrapping ErrInvalidToken.
func ParseTaskToken(token string) (TaskToken, error) {
	invalid := fmt.Errorf("task token: %w", ErrInvalidToken)
	b, err := base64.StdEncoding.Strict().DecodeString(token)
	if err != nil || len(b) < minTokenBytes || b[0] != 1 || b[1] != 0 {
		return TaskToken{}, invalid
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return TaskToken{}, invalid
	}
	rest := body[2+tokenNonce:]
	var arns [2]string
	for i := range arns {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return TaskToken{}, invalid
		}
		arns[i] = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return TaskToken{}, invalid
	}
	return TaskToken{StateMachineARN: arns[0], ExecutionARN: arns[1]}, nil
}
