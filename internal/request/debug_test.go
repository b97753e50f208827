package request

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugScratch(t *testing.T) {
	for _, f := range []string{"create", "enroll", "update", "unmanage", "close"} {
		b, _ := os.ReadFile("testdata/" + f + ".json")
		r, err := Decode(b)
		fmt.Println(f, r != nil, err)
	}
	for _, body := range []string{
		`{"requestId":"CHG 1","action":"create","account":{"id":"1234","nmae":"x","email":"` + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@y.com" + `","organizationalUnit":"ou-bad"},"tags":{"aws:x":"1","Legacy":null,"n":5},"access":[{"group":"a","user":"b","permissionSet":"x y"},{"permissionSet":"A"},{"group":"a","permissionSet":"B"},{"group":"a","permissionSet":"B"}]}`,
		`{"requestId":"x","action":"update","account":{"id":"123456789012","name":"n"},"revokePreviousOwner":true,"tags":{}}`,
		`{"requestId":"x","action":"delet","account":{}}`,
		`{"requestId":"x","action":"close","account":{"id":"123456789012","organizationalUnit":"Foo (ou-bad)"},"owner":{"email":"a@b.c"},"tags":{"a":"b"}}`,
		`[1,2]`, `null`, ``, `{"a":`, `{"a":1} x`, `{"requestId": 5, "action": null, "account": "x"}`,
	} {
		_, err := Decode([]byte(body))
		fmt.Printf("---- %s\n%v\n", body, err)
	}
}
