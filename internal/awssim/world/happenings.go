package world

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Happening is something that happens in the organization on its own, not
// through towervend, at an offset from the world's start: an account accepts
// the organization's invitation, an administrator creates an account in
// Account Factory's console or with Organizations' CreateAccount. Exactly one
// of its kinds is set.
type Happening struct {
	// At is the offset from the world's start, e.g. "40m".
	At protocol.Duration `json:"at"`
	// Invite is a standalone account accepting the organization's invitation.
	Invite *InviteHappening `json:"invite,omitempty"`
	// ConsoleProvision is an administrator creating an account in Account
	// Factory's console: Control Tower creates and enrolls it.
	ConsoleProvision *ConsoleProvisionHappening `json:"consoleProvision,omitempty"`
	// CreateAccount is an administrator calling Organizations' CreateAccount,
	// outside Control Tower: the account joins Root, not enrolled.
	CreateAccount *CreateAccountHappening `json:"createAccount,omitempty"`
}

// InviteHappening is a standalone account that joins by invitation.
type InviteHappening struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	// ExecutionRole is the AWSControlTowerExecution role its administrator
	// made before accepting: trusted, untrusted or missing (the default).
	ExecutionRole string `json:"executionRole,omitempty"`
}

// ConsoleProvisionHappening is an account made in Account Factory's console.
type ConsoleProvisionHappening struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	// OrganizationalUnit is the target OU's path from Root (e.g.
	// Workloads/Prod) or id.
	OrganizationalUnit string `json:"organizationalUnit"`
	// SSO is the account's Identity Center user, as the console asks for it.
	SSO SSOUserHappening `json:"sso"`
}

// SSOUserHappening is the Identity Center user a console-made account gets.
type SSOUserHappening struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// CreateAccountHappening is an account made with Organizations' CreateAccount.
type CreateAccountHappening struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Kind names the happening's kind as the world file spells it.
func (h Happening) Kind() string {
	switch {
	case h.Invite != nil:
		return "invite"
	case h.ConsoleProvision != nil:
		return "consoleProvision"
	case h.CreateAccount != nil:
		return "createAccount"
	}
	return ""
}

// Describe tells what happens, naming the account, for a run's log.
func (h Happening) Describe() string {
	switch {
	case h.Invite != nil:
		role := ""
		switch h.Invite.ExecutionRole {
		case RoleTrusted:
			role = " (with an AWSControlTowerExecution role)"
		case RoleUntrusted:
			role = " (with an AWSControlTowerExecution role that trusts another account)"
		}
		return fmt.Sprintf("%s accepts the organization's invitation%s", h.Invite.Name, role)
	case h.ConsoleProvision != nil:
		return fmt.Sprintf("an administrator creates %s in Account Factory's console (%s)", h.ConsoleProvision.Name, h.ConsoleProvision.OrganizationalUnit)
	case h.CreateAccount != nil:
		return fmt.Sprintf("an administrator creates %s with Organizations' CreateAccount, outside Control Tower", h.CreateAccount.Name)
	}
	return ""
}

// Summary tells what happens without naming the account, for a run's banner.
func (h Happening) Summary() string {
	switch {
	case h.Invite != nil:
		return "an invited account joins the organization"
	case h.ConsoleProvision != nil:
		return "an administrator creates an account in Account Factory's console"
	case h.CreateAccount != nil:
		return "an administrator creates an account outside Control Tower"
	}
	return ""
}

// ByTime returns the world's happenings in the order they happen (the file's
// order among those at the same time).
func (w *World) ByTime() []Happening {
	hs := slices.Clone(w.Happenings)
	slices.SortStableFunc(hs, func(a, b Happening) int { return int(a.At.D() - b.At.D()) })
	return hs
}

func (w *World) validateHappenings() error {
	for i, h := range w.Happenings {
		field := fmt.Sprintf("happenings[%d]", i)
		if h.At.D() < 0 {
			return fmt.Errorf("%s.at: %s is before the world's start; give an offset of 0 or more, e.g. \"40m\"", field, h.At.D())
		}
		kinds := 0
		for _, set := range []bool{h.Invite != nil, h.ConsoleProvision != nil, h.CreateAccount != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			return fmt.Errorf("%s: has %d kinds; give exactly one of invite, consoleProvision or createAccount", field, kinds)
		}
		field += "." + h.Kind()
		var err error
		switch {
		case h.Invite != nil:
			err = account(field, h.Invite.Name, h.Invite.Email)
			if r := h.Invite.ExecutionRole; err == nil && r != "" && r != RoleTrusted && r != RoleUntrusted && r != RoleMissing {
				err = fmt.Errorf("%s.executionRole: %q is not a role state; use trusted, untrusted or missing", field, r)
			}
		case h.CreateAccount != nil:
			err = account(field, h.CreateAccount.Name, h.CreateAccount.Email)
		case h.ConsoleProvision != nil:
			err = w.validateConsoleProvision(field, h.ConsoleProvision)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *World) validateConsoleProvision(field string, c *ConsoleProvisionHappening) error {
	if err := account(field, c.Name, c.Email); err != nil {
		return err
	}
	ous := w.Organization.ouPaths()
	if c.OrganizationalUnit == "" {
		return fmt.Errorf("%s.organizationalUnit: required; choose one of: %s", field, strings.Join(ous, ", "))
	}
	if !slices.Contains(ous, c.OrganizationalUnit) && !w.Organization.hasOUID(c.OrganizationalUnit) {
		return fmt.Errorf("%s.organizationalUnit: OU %q is not in the organization; choose one of: %s", field, c.OrganizationalUnit, strings.Join(ous, ", "))
	}
	if c.SSO.Email == "" || c.SSO.FirstName == "" || c.SSO.LastName == "" {
		return fmt.Errorf("%s.sso: email, firstName and lastName are required, as the console asks for the account's Identity Center user", field)
	}
	if _, err := mail.ParseAddress(c.SSO.Email); err != nil {
		return fmt.Errorf("%s.sso.email: %q is not an email address", field, c.SSO.Email)
	}
	return nil
}

// account checks a new account's name and email.
func account(field, name, email string) error {
	if name == "" {
		return fmt.Errorf("%s.name: required; give the new account's name", field)
	}
	if email == "" {
		return fmt.Errorf("%s.email: required; give the new account's root email", field)
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return fmt.Errorf("%s.email: %q is not an email address", field, email)
	}
	return nil
}

// ouPaths lists every OU's path from Root, in document order.
func (o OrganizationSpec) ouPaths() []string {
	var out []string
	var walk func(prefix string, ous []OUSpec)
	walk = func(prefix string, ous []OUSpec) {
		for _, u := range ous {
			out = append(out, prefix+u.Name)
			walk(prefix+u.Name+"/", u.Children)
		}
	}
	walk("", o.OrganizationalUnits)
	return out
}

func (o OrganizationSpec) hasOUID(id string) bool {
	var walk func(ous []OUSpec) bool
	walk = func(ous []OUSpec) bool {
		for _, u := range ous {
			if (u.ID != "" && u.ID == id) || walk(u.Children) {
				return true
			}
		}
		return false
	}
	return walk(o.OrganizationalUnits)
}
