package awssim

import (
	"github.com/towervend/towervend/internal/awssim/protocol"
	"github.com/towervend/towervend/internal/awssim/world"
)

// Names the simulator's users know from before the protocol layer existed.
type (
	// APIError is an AWS error as the simulator returns it.
	APIError = protocol.APIError
	// Epoch is a timestamp as the AWS JSON protocols send it.
	Epoch = protocol.Epoch
	// Principal is the IAM identity behind a request.
	Principal = protocol.Principal
	// Faults are what can go wrong, on purpose.
	Faults = protocol.Faults
	// Window is a stretch of simulated time given as offsets from the world's start.
	Window = protocol.Window
	// Duration is a time.Duration written as "30m" in JSON.
	Duration = protocol.Duration
	// CreateAccountFailure makes Organizations fail one CreateAccount with a reason (Faults.FailCreateAccount).
	CreateAccountFailure = protocol.CreateAccountFailure
)

// CreateAccountFailureReasons are the FailureReason values Organizations documents for CreateAccount.
var CreateAccountFailureReasons = protocol.CreateAccountFailureReasons

var apiErr = protocol.Err

// The world description lives in package world; these are its names here.
type (
	// World describes a simulated AWS organization with Control Tower.
	World              = world.World
	OrganizationSpec   = world.OrganizationSpec
	OUSpec             = world.OUSpec
	AccountSpec        = world.AccountSpec
	IdentityCenterSpec = world.IdentityCenterSpec
	UserSpec           = world.UserSpec
	GroupSpec          = world.GroupSpec
	PermissionSetSpec  = world.PermissionSetSpec
	AssignmentSpec     = world.AssignmentSpec
	ControlTowerSpec   = world.ControlTowerSpec
	PrincipalSpec      = world.PrincipalSpec
)

// Role states of an account's AWSControlTowerExecution role.
const (
	RoleTrusted   = world.RoleTrusted
	RoleUntrusted = world.RoleUntrusted
	RoleMissing   = world.RoleMissing
)

var (
	// LoadWorld reads a world file.
	LoadWorld = world.Load
	// ParseWorld decodes a world description.
	ParseWorld = world.Parse
	// DefaultWorld returns the embedded demo world.
	DefaultWorld = world.Default
	// DefaultWorldJSON is the embedded demo organization, "Northwind Trading".
	DefaultWorldJSON = world.DefaultJSON
)
