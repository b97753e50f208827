package accountfactory

// Names the tests (package accountfactory_test) share with the simulator.
const (
	// StartDelay is how long a record stays CREATED before Control Tower takes it.
	StartDelay = afStartDelay
	// MsgBusy and MsgRole are Control Tower's refusal and precheck failure messages.
	MsgBusy = afMsgBusy
	MsgRole = afMsgRole
	// Timestamp is the lifecycle events' requested/completed timestamp format.
	Timestamp = afTimestamp

	// The Account Factory product's parameters.
	AccountEmail = afAccountEmail
	SSOEmail     = afSSOEmail
	SSOFirstName = afSSOFirstName
	SSOLastName  = afSSOLastName
	ManagedOU    = afManagedOU
)

// ParameterKeys are the Account Factory template's parameters, in the order
// error messages list them.
var ParameterKeys = afParameterKeys
