// Package organizations simulates AWS Organizations at the wire level (awsJson
// 1.1, X-Amz-Target prefix AWSOrganizationsV20161128, signing name
// "organizations"): the organization tree of a root, OUs and accounts and their
// tags, account closure with AWS's quotas, CreateAccount (its asynchronous
// status, ListCreateAccountStatus, the failure reasons faults.failCreateAccount
// reaches), accounts joining by invitation, and the CloudTrail
// lifecycle events Organizations puts on the management account's default bus
// (CreateAccountResult, AccountJoinedOrganization, CloseAccountResult; an
// invited account's own AcceptHandshake call goes to that account's bus).
//
// One Service owns the organization (OrgState) and the CreateAccount requests
// (OrgRequestState), the two parts a snapshot holds under "organizations" and
// "organizationsRequests". Almost every other simulated service reads the
// organization; they do so through their own consumer-side interfaces, which
// the root package implements over the exported API of Service (Account,
// AccountByEmail, OU, ChildOUs, AccountsIn, SortedAccounts, NewAccountID,
// AddAccount, MoveAccount, …), and hear of MoveAccount calls through
// OnAccountMoved (Control Tower's auto-enrollment). Everything runs with the
// Env's lock held.
//
// It may import protocol, internal/clock, the standard library and third-party
// libraries in go.mod, and not the root package awssim nor any other service
// package.
package organizations
