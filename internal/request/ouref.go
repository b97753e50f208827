package request

import (
	"regexp"
	"strings"
)

// ouIDPattern is the AWS Organizations OU id form; ParseOURef uses it to tell the
// three ways of writing an OU apart (the schema has already checked the form).
var ouIDPattern = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$`)

// nameAndIDPattern is Account Factory's "Name (ou-id)" form.
var nameAndIDPattern = regexp.MustCompile(`^(.*\S) \((ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})\)$`)

// OURef is an organizational unit as a request names it. Exactly one form is set:
// Path for "Workloads/Prod"; Name and ID for Account Factory's "Prod (ou-ab12-cd34ef56)";
// ID alone for "ou-ab12-cd34ef56".
type OURef struct {
	// Path is the OU names from Root down to the OU, without a leading "Root".
	Path []string
	// Name is the OU's own name, given with its ID.
	Name string
	// ID is the OU id.
	ID string
}

// ParseOURef reads the three forms of account.organizationalUnit. A leading
// "Root/" of a path is dropped. Anything that is not an id form is taken as a path.
func ParseOURef(s string) OURef {
	if ouIDPattern.MatchString(s) {
		return OURef{ID: s}
	}
	if m := nameAndIDPattern.FindStringSubmatch(s); m != nil {
		return OURef{Name: m[1], ID: m[2]}
	}
	if s == "" {
		return OURef{}
	}
	path := strings.Split(s, "/")
	if len(path) > 1 && path[0] == "Root" {
		path = path[1:]
	}
	return OURef{Path: path}
}

// IsPath reports whether the OU was written as a path of names.
func (r OURef) IsPath() bool { return len(r.Path) > 0 }

// PathString is the path joined with "/" ("Workloads/Prod"), or "" when the OU
// was written with its id.
func (r OURef) PathString() string { return strings.Join(r.Path, "/") }

// String writes the reference back in the form it was read in (without "Root/").
func (r OURef) String() string {
	switch {
	case r.IsPath():
		return r.PathString()
	case r.Name != "":
		return r.Name + " (" + r.ID + ")"
	default:
		return r.ID
	}
}
