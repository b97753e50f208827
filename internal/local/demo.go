package local

import (
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim"
)

// The demo's lifecycle-driven work: what happens in the organization without a
// ticket, each announced to towervend only by AWS's own events.
const (
	// ConsoleCreateAt is when an administrator creates an account in Account
	// Factory's console, not through towervend: once the sample requests'
	// first operations are done, since while towervend keeps Control Tower's
	// five slots busy Control Tower refuses a console create too, as on AWS.
	ConsoleCreateAt = 40 * time.Minute
	// InviteAt is when a standalone account accepts the organization's invitation.
	InviteAt = 12 * time.Minute
)

// DemoConsoleAccount is the account the administrator creates in the console,
// in Workloads/Prod, whose default access the policy names.
var DemoConsoleAccount = awssim.ConsoleAccount{Name: "analytics-prod", Email: "aws+analytics-prod@northwind.example", OU: "Workloads/Prod",
	OwnerEmail: "maria.garcia@northwind.example", OwnerFirstName: "Maria", OwnerLastName: "Garcia"}

// DemoInvitedAccount is the standalone account that joins by invitation.
var DemoInvitedAccount = struct{ Name, Email string }{"partner-insights", "aws-root@partner-insights.example"}

// ScheduleLifecycleDemo makes the demo's lifecycle-driven work happen during
// the next Run, on the simulated clock:
//   - at ConsoleCreateAt an administrator creates DemoConsoleAccount in Account
//     Factory's console. Control Tower creates it through Organizations
//     (CreateAccountResult and AccountJoinedOrganization, minutes in), which
//     starts an enrollment that waits for Account Factory and ends SKIPPED;
//     Control Tower's CreateManagedAccount then starts the update that grants
//     the OU's default access;
//   - at InviteAt DemoInvitedAccount accepts the organization's invitation,
//     its administrator having created the AWSControlTowerExecution role as
//     Control Tower's enrollment prerequisites ask: Organizations'
//     AccountJoinedOrganization starts its enrollment into the policy's
//     enrollment OU.
//
// Each is reported through Options.OnEvent (Kind "world"); one that fails
// makes Run return its error.
func (r *Runtime) ScheduleLifecycleDemo() {
	r.at(ConsoleCreateAt, fmt.Sprintf("an administrator creates %s in Account Factory's console (%s)", DemoConsoleAccount.Name, DemoConsoleAccount.OU), func() error {
		_, err := r.Sim.ProvisionInConsole(DemoConsoleAccount)
		return err
	})
	r.at(InviteAt, fmt.Sprintf("%s accepts the organization's invitation (with an AWSControlTowerExecution role)", DemoInvitedAccount.Name), func() error {
		id, err := r.Sim.InviteAccount(DemoInvitedAccount.Name, DemoInvitedAccount.Email)
		if err != nil {
			return err
		}
		return r.Sim.SetExecutionRole(id, awssim.RoleTrusted)
	})
}

// at runs f d after now on the clock, telling OnEvent what happens.
func (r *Runtime) at(d time.Duration, what string, f func() error) {
	r.mu.Lock()
	r.pendingWorld++ // the run is not finished before it happens
	r.mu.Unlock()
	r.Clock.AfterFunc(d, func() {
		err := f()
		r.mu.Lock()
		r.pendingWorld--
		r.lastActivity = r.Clock.Now()
		if err != nil {
			r.worldErrs = append(r.worldErrs, fmt.Errorf("%s: %w", what, err))
		}
		r.mu.Unlock()
		if r.opts.OnEvent == nil {
			return
		}
		detail := what
		if err != nil {
			detail = what + ": " + err.Error()
		}
		r.opts.OnEvent(Event{Time: r.Clock.Now(), Kind: "world", Detail: detail})
	})
}
