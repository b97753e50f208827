package protocol

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Epoch is a timestamp as the AWS JSON protocols send it: seconds since the
// Unix epoch, with fractions.
type Epoch time.Time

// MarshalJSON implements json.Marshaler.
func (e Epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		var s string
		if err2 := json.Unmarshal(b, &s); err2 != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		*e = Epoch(t)
		return nil
	}
	sec, frac := math.Modf(f)
	*e = Epoch(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}

// Time returns e as a time.Time.
func (e Epoch) Time() time.Time { return time.Time(e) }
