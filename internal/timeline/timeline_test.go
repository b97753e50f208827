package timeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// at is t0 plus m minutes.
func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func TestQueueFromWaits(t *testing.T) {
	marks := []Mark{
		{Kind: MarkWait, RequestID: "A", At: at(0), Until: at(30)},
		{Kind: MarkWait, RequestID: "B", At: at(0), Until: at(60)},
		{Kind: MarkWait, RequestID: "C", At: at(30), Until: at(45)}, // starts as A ends: the count stays 2
		{Kind: MarkRetry, RequestID: "D", At: at(10)},               // not a wait
		{Kind: MarkWait, RequestID: "E", At: at(20), Until: at(20)}, // no time waiting
		{Kind: MarkWait, RequestID: "F", At: at(50), Until: at(40)}, // ends before it starts
	}
	assert.Equal(t, []Sample{{At: at(0), Waiting: 2}, {At: at(45), Waiting: 1}, {At: at(60), Waiting: 0}}, QueueFromWaits(marks))
	assert.Empty(t, QueueFromWaits(nil))
}

func TestLanes(t *testing.T) {
	ops := []Operation{
		{Record: "r1", Start: at(0), End: at(30)},
		{Record: "r2", Start: at(0), End: at(20)},  // starts as r1 does and ends first: the first lane
		{Record: "r3", Start: at(20), End: at(50)}, // takes r2's lane the moment it frees
		{Record: "r4", Start: at(25), End: at(40)}, // r1 and r3 busy: a third lane
		{Record: "r5", Start: at(40), End: at(41)}, // r1's and r4's lanes are free: the lower
		{Record: "r6", Start: at(45), End: at(44)}, // ends before it starts: an instant
	}
	lane, lanes := Lanes(ops)
	assert.Equal(t, []int{1, 0, 0, 2, 1, 1}, lane)
	assert.Equal(t, 3, lanes)
	for i := range ops {
		for j := range ops {
			if i < j && lane[i] == lane[j] {
				overlap := ops[i].Start.Before(ops[j].End) && ops[j].Start.Before(ops[i].End)
				assert.False(t, overlap, "%s and %s overlap in lane %d", ops[i].Record, ops[j].Record, lane[i])
			}
		}
	}
	none, zero := Lanes(nil)
	assert.Empty(t, none)
	assert.Zero(t, zero)
}

func TestOperationName(t *testing.T) {
	assert.Equal(t, "CHG1", Operation{RequestID: "CHG1", Label: "product"}.Name())
	assert.Equal(t, "product", Operation{Label: "product", Record: "rec-1"}.Name())
	assert.Equal(t, "rec-1", Operation{Record: "rec-1"}.Name())
	assert.Equal(t, "(unknown)", Operation{}.Name())
}
