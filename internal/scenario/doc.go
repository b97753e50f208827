// Package scenario tells a sequence to `towervend local`: a JSON file of steps
// (submit a request, something an administrator does in AWS outside
// towervend, a fault switched on or off, a check of the world) run in order on
// the local runtime's simulated clock, with expectations the run verifies.
// Every request starting at t=0 cannot rehearse "create an account, then
// update it" or "an account made in the console, then its lifecycle event";
// a scenario can. The samples are in events/scenarios.
//
// The file (strict: an unknown field or a bad value is refused, naming the
// step, the field and the fix):
//
//	{
//	  "description": "what the scenario shows",
//	  "world": "world.json",        // optional, relative to this file: default the demo world, without its happenings
//	  "policy": "policy.json",      // optional, relative to this file: default internal/policy/default.json
//	  "steps": [
//	    {"at": "0s", "submit": {"requestId": "CHG2001", "action": "create", ...}},
//	    {"at": "0s", "submit": "../requests/05-update.json"},
//	    {"after": {"request": "CHG2001"}, "submit": {"requestId": "CHG2002", "action": "update",
//	      "account": {"id": "${CHG2001.accountId}", "organizationalUnit": "Workloads/Prod"}}},
//	    {"at": "10m", "aws": {"createAccount": {"name": "shadow-it", "email": "aws+shadow-it@northwind.example"}}},
//	    {"at": "20m", "fault": {"throttle": {"servicecatalog": 0.3}}},
//	    {"after": {"settled": true}, "expect": {"request": "CHG2002", "status": "SUCCEEDED",
//	      "account": "${CHG2001.accountId}", "organizationalUnit": "Workloads/Prod",
//	      "tags": {"CostCenter": "2100", "Legacy": null},
//	      "assignments": [{"group": "security-auditors", "permissionSet": "ViewOnlyAccess"},
//	                      {"user": "li.wei", "permissionSet": "AWSAdministratorAccess", "absent": true}]}}
//	  ]
//	}
//
// Each step has an optional "note" (JSON has no comments), exactly one of
// "at" or "after", and exactly one kind. Steps run in order, each once the
// one before it ran and its own time came; an "at" already past runs at once.
//
//   - "at": a duration from the world's start ("90m", "1h30m").
//   - "after": {"request": ID} once that request reached a final state;
//     {"request": ID, "state": S} once it reached S: a final status
//     (SUCCEEDED, FAILED, REJECTED, SKIPPED; ending in another stops the
//     scenario), ACCEPTED (its accepted notification), or a state of the
//     workflow (statemachine/vending.asl.json) its execution entered, e.g.
//     WaitForControlTower; {"settled": true} once every request so far is
//     final and the world has been quiet (what ends a run); {"delay": "10m"}
//     that long after the previous step, or, beside request or settled, that
//     long after the condition.
//   - "submit": a request, inline or the path of a file (relative to the
//     scenario file), put on the request queue as a ticketing system would.
//   - "aws": what an administrator does outside towervend, exactly one of
//     createAccount {name, email, roleName} (Organizations CreateAccount: the
//     account joins Root; roleName AWSControlTowerExecution makes it ready to
//     enroll), consoleProvision {name, email, organizationalUnit, sso:
//     {email, firstName, lastName}} (Account Factory in Control Tower's
//     console), invite {name, email, executionRole} (a standalone account
//     accepts the organization's invitation), moveAccount {account,
//     organizationalUnit}, tagResource {account, tags} and untagResource
//     {account, tagKeys}. The last three and createAccount are the
//     Organizations API called with the SDK; the console and the invited
//     account's side have no API towervend's account could call, so the
//     simulator does them as its world's happenings do (world/README.md).
//   - "fault": the faults in force from then on, in the world file's
//     "faults" shape, replacing the ones before; {} switches every fault off.
//   - "expect": checks at that moment. "request" with "status" (SUCCEEDED,
//     FAILED, REJECTED, SKIPPED or PENDING) and optionally "reasonContains";
//     "account" with any of "organizationalUnit" (a path from Root, "Root",
//     or an OU id), "managed" (true: Control Tower manages it), "tags" (a
//     value, or null for absent) and "assignments" ({group or user,
//     permissionSet}, "absent": true for one that must not be there). They
//     are read as an operator reads them, through the SDK (Organizations,
//     IAM Identity Center); "managed" from the simulator's Control Tower.
//
// References: a string anywhere in a submitted request, and the "account" of
// aws and expect steps, may hold ${NAME.accountId}: the account id of NAME,
// an earlier step's request (the id its notifications gave) or the name of
// an account an earlier aws step created (looked up in Organizations by its
// email). A reference that cannot be resolved when its step runs (the
// request has no account yet, the account has not joined) fails the
// scenario, saying which step should wait for what.
//
// A step that cannot be done (an AWS call refused, a reference unresolved, a
// request that ended otherwise than a step waited for) fails the scenario:
// the steps after it do not run. The run itself goes on until it is settled,
// and the report gives every step, every expectation with its expected and
// actual value, the requests and the notifications.
//
// It drives internal/local's Runtime (its steps run as work the runtime's
// clock schedules, local.Runtime.Go) and may import local, awssim (and its
// world), policy, vend, statemachine and the SDK; only the CLI imports it.
package scenario
