package asl

import (
	"fmt"
	"testing"

	"github.com/ohler55/ojg/jp"
)

func TestScratch(t *testing.T) {
	data := []any{[]any{int64(1), int64(2)}, []any{map[string]any{"a": 1.5}, int64(4)}, []any{}}
	for _, p := range []string{"$[*][*]", "$[0:2]", "$[*].a", "$..a", "$[1][0].a", "$[-1:]"} {
		x, _ := jp.ParseString(p)
		fmt.Printf("%-25s get=%v\n", p, x.Get(data))
	}
}
