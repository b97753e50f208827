package vend

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/towervend/towervend/internal/clock"
	"github.com/towervend/towervend/internal/policy"
)

// The AWS calls the steps make, declared here, where they are used, and
// satisfied by the aws-sdk-go-v2 clients.

// OrgAPI is the part of AWS Organizations towervend uses.
type OrgAPI interface {
	ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListOrganizationalUnitsForParent(context.Context, *organizations.ListOrganizationalUnitsForParentInput, ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
	DescribeOrganizationalUnit(context.Context, *organizations.DescribeOrganizationalUnitInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationalUnitOutput, error)
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAccountsForParent(context.Context, *organizations.ListAccountsForParentInput, ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
	DescribeAccount(context.Context, *organizations.DescribeAccountInput, ...func(*organizations.Options)) (*organizations.DescribeAccountOutput, error)
	ListParents(context.Context, *organizations.ListParentsInput, ...func(*organizations.Options)) (*organizations.ListParentsOutput, error)
	MoveAccount(context.Context, *organizations.MoveAccountInput, ...func(*organizations.Options)) (*organizations.MoveAccountOutput, error)
	ListTagsForResource(context.Context, *organizations.ListTagsForResourceInput, ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error)
	TagResource(context.Context, *organizations.TagResourceInput, ...func(*organizations.Options)) (*organizations.TagResourceOutput, error)
	UntagResource(context.Context, *organizations.UntagResourceInput, ...func(*organizations.Options)) (*organizations.UntagResourceOutput, error)
	CloseAccount(context.Context, *organizations.CloseAccountInput, ...func(*organizations.Options)) (*organizations.CloseAccountOutput, error)
	CreateAccount(context.Context, *organizations.CreateAccountInput, ...func(*organizations.Options)) (*organizations.CreateAccountOutput, error)
	DescribeCreateAccountStatus(context.Context, *organizations.DescribeCreateAccountStatusInput, ...func(*organizations.Options)) (*organizations.DescribeCreateAccountStatusOutput, error)
	ListCreateAccountStatus(context.Context, *organizations.ListCreateAccountStatusInput, ...func(*organizations.Options)) (*organizations.ListCreateAccountStatusOutput, error)
}

// CatalogAPI is the part of Service Catalog towervend uses for Account Factory.
type CatalogAPI interface {
	SearchProducts(context.Context, *servicecatalog.SearchProductsInput, ...func(*servicecatalog.Options)) (*servicecatalog.SearchProductsOutput, error)
	ListProvisioningArtifacts(context.Context, *servicecatalog.ListProvisioningArtifactsInput, ...func(*servicecatalog.Options)) (*servicecatalog.ListProvisioningArtifactsOutput, error)
	ListLaunchPaths(context.Context, *servicecatalog.ListLaunchPathsInput, ...func(*servicecatalog.Options)) (*servicecatalog.ListLaunchPathsOutput, error)
	ProvisionProduct(context.Context, *servicecatalog.ProvisionProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.ProvisionProductOutput, error)
	UpdateProvisionedProduct(context.Context, *servicecatalog.UpdateProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.UpdateProvisionedProductOutput, error)
	TerminateProvisionedProduct(context.Context, *servicecatalog.TerminateProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.TerminateProvisionedProductOutput, error)
	DescribeRecord(context.Context, *servicecatalog.DescribeRecordInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeRecordOutput, error)
	SearchProvisionedProducts(context.Context, *servicecatalog.SearchProvisionedProductsInput, ...func(*servicecatalog.Options)) (*servicecatalog.SearchProvisionedProductsOutput, error)
	DescribeProvisionedProduct(context.Context, *servicecatalog.DescribeProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisionedProductOutput, error)
}

// ControlTowerAPI tells the landing zone's version and which OUs are registered.
type ControlTowerAPI interface {
	ListLandingZones(context.Context, *controltower.ListLandingZonesInput, ...func(*controltower.Options)) (*controltower.ListLandingZonesOutput, error)
	GetLandingZone(context.Context, *controltower.GetLandingZoneInput, ...func(*controltower.Options)) (*controltower.GetLandingZoneOutput, error)
	ListEnabledBaselines(context.Context, *controltower.ListEnabledBaselinesInput, ...func(*controltower.Options)) (*controltower.ListEnabledBaselinesOutput, error)
	GetBaselineOperation(context.Context, *controltower.GetBaselineOperationInput, ...func(*controltower.Options)) (*controltower.GetBaselineOperationOutput, error)
	ResetEnabledBaseline(context.Context, *controltower.ResetEnabledBaselineInput, ...func(*controltower.Options)) (*controltower.ResetEnabledBaselineOutput, error)
}

// SSOAdminAPI is the part of IAM Identity Center's admin API towervend uses.
type SSOAdminAPI interface {
	ListInstances(context.Context, *ssoadmin.ListInstancesInput, ...func(*ssoadmin.Options)) (*ssoadmin.ListInstancesOutput, error)
	ListPermissionSets(context.Context, *ssoadmin.ListPermissionSetsInput, ...func(*ssoadmin.Options)) (*ssoadmin.ListPermissionSetsOutput, error)
	DescribePermissionSet(context.Context, *ssoadmin.DescribePermissionSetInput, ...func(*ssoadmin.Options)) (*ssoadmin.DescribePermissionSetOutput, error)
	CreateAccountAssignment(context.Context, *ssoadmin.CreateAccountAssignmentInput, ...func(*ssoadmin.Options)) (*ssoadmin.CreateAccountAssignmentOutput, error)
	DescribeAccountAssignmentCreationStatus(context.Context, *ssoadmin.DescribeAccountAssignmentCreationStatusInput, ...func(*ssoadmin.Options)) (*ssoadmin.DescribeAccountAssignmentCreationStatusOutput, error)
	DeleteAccountAssignment(context.Context, *ssoadmin.DeleteAccountAssignmentInput, ...func(*ssoadmin.Options)) (*ssoadmin.DeleteAccountAssignmentOutput, error)
	DescribeAccountAssignmentDeletionStatus(context.Context, *ssoadmin.DescribeAccountAssignmentDeletionStatusInput, ...func(*ssoadmin.Options)) (*ssoadmin.DescribeAccountAssignmentDeletionStatusOutput, error)
	ListAccountAssignments(context.Context, *ssoadmin.ListAccountAssignmentsInput, ...func(*ssoadmin.Options)) (*ssoadmin.ListAccountAssignmentsOutput, error)
}

// IdentityStoreAPI resolves users and groups.
type IdentityStoreAPI interface {
	GetUserId(context.Context, *identitystore.GetUserIdInput, ...func(*identitystore.Options)) (*identitystore.GetUserIdOutput, error)
	GetGroupId(context.Context, *identitystore.GetGroupIdInput, ...func(*identitystore.Options)) (*identitystore.GetGroupIdOutput, error)
	IsMemberInGroups(context.Context, *identitystore.IsMemberInGroupsInput, ...func(*identitystore.Options)) (*identitystore.IsMemberInGroupsOutput, error)
	DescribeUser(context.Context, *identitystore.DescribeUserInput, ...func(*identitystore.Options)) (*identitystore.DescribeUserOutput, error)
	DescribeGroup(context.Context, *identitystore.DescribeGroupInput, ...func(*identitystore.Options)) (*identitystore.DescribeGroupOutput, error)
}

// STSAPI checks the AWSControlTowerExecution role.
type STSAPI interface {
	AssumeRole(context.Context, *sts.AssumeRoleInput, ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// EventsAPI publishes towervend's notifications.
type EventsAPI interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// SFNAPI starts and inspects workflow executions.
type SFNAPI interface {
	StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	ListExecutions(context.Context, *sfn.ListExecutionsInput, ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

// SQSAPI keeps rejected messages for audit.
type SQSAPI interface {
	SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Config is towervend's deployment configuration, read by every function from
// its environment (the stack sets it) or given by the local runtime.
type Config struct {
	// Region is the Control Tower home Region.
	Region string
	// ManagementAccountID is the organization's management account (found with
	// sts:GetCallerIdentity when empty).
	ManagementAccountID string
	// InstanceArn and IdentityStoreID select the Identity Center instance; empty
	// means the only instance ListInstances returns.
	InstanceArn     string
	IdentityStoreID string
	// ConcurrencyLimit is how many Account Factory operations towervend keeps in
	// flight at most (Control Tower's quota, default 5).
	ConcurrencyLimit int
	// ProductName is the Account Factory product's name.
	ProductName string
	// NotificationBus is the EventBridge bus towervend publishes request state changes on.
	NotificationBus string
	// StateMachineArn is the vending workflow (intake and lifecycle start executions).
	StateMachineArn string
	// RejectedQueueURL is where intake keeps messages it rejects (the stack's
	// towervend-rejected queue, apart from the dead letters), with the reason
	// as a message attribute.
	RejectedQueueURL string
	// WaitTable is the DynamoDB table of waiting executions' task tokens (see waits.go).
	WaitTable string
	// WaitBudget is how long towervend waits for one Control Tower operation (default 120m).
	WaitBudget time.Duration
	// AccessWaitBudget is how many status checks assignsso makes before giving up.
	AccessPolls int
	// Provisioning is how accounts are vended and enrolled: ProvisioningAccountFactory
	// (Service Catalog, the default), ProvisioningAutoEnrollment (Organizations
	// CreateAccount and MoveAccount with Control Tower's auto-enrollment) or
	// ProvisioningAuto (the landing zone decides, see backend.go).
	Provisioning string
}

// The provisioning backends (Config.Provisioning).
const (
	ProvisioningAccountFactory = "accountFactory"
	ProvisioningAutoEnrollment = "autoEnrollment"
	ProvisioningAuto           = "auto"
)

// Environment variable names the stack sets on every function.
const (
	EnvRegion           = "TOWERVEND_REGION"
	EnvInstanceArn      = "TOWERVEND_IDENTITY_CENTER_INSTANCE_ARN"
	EnvIdentityStoreID  = "TOWERVEND_IDENTITY_STORE_ID"
	EnvConcurrency      = "TOWERVEND_CONCURRENCY_LIMIT"
	EnvNotificationBus  = "TOWERVEND_NOTIFICATION_BUS"
	EnvStateMachineArn  = "TOWERVEND_STATE_MACHINE_ARN"
	EnvPolicyFile       = "TOWERVEND_POLICY_FILE"
	EnvManagementAcctID = "TOWERVEND_MANAGEMENT_ACCOUNT_ID"
	EnvRejectedQueueURL = "TOWERVEND_REJECTED_QUEUE_URL"
	EnvWaitTable        = "TOWERVEND_WAIT_TABLE"
	EnvProvisioning     = "TOWERVEND_PROVISIONING"
)

// ConfigFromEnv reads Config from environment variables, with defaults.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Region:              getenv(EnvRegion),
		ManagementAccountID: getenv(EnvManagementAcctID),
		InstanceArn:         getenv(EnvInstanceArn),
		IdentityStoreID:     getenv(EnvIdentityStoreID),
		NotificationBus:     getenv(EnvNotificationBus),
		StateMachineArn:     getenv(EnvStateMachineArn),
		RejectedQueueURL:    getenv(EnvRejectedQueueURL),
		WaitTable:           getenv(EnvWaitTable),
		Provisioning:        getenv(EnvProvisioning),
	}
	switch c.Provisioning {
	case "", ProvisioningAccountFactory, ProvisioningAutoEnrollment, ProvisioningAuto:
	default:
		return c, fmt.Errorf("%s=%q: want %s, %s or %s", EnvProvisioning, c.Provisioning, ProvisioningAccountFactory, ProvisioningAutoEnrollment, ProvisioningAuto)
	}
	if v := getenv(EnvConcurrency); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			return c, fmt.Errorf("%s=%q: want a number from 1 to 10 (Control Tower's quota)", EnvConcurrency, v)
		}
		c.ConcurrencyLimit = n
	}
	return c.withDefaults(), nil
}

func (c Config) withDefaults() Config {
	if c.ConcurrencyLimit == 0 {
		c.ConcurrencyLimit = 5
	}
	if c.ProductName == "" {
		c.ProductName = "AWS Control Tower Account Factory"
	}
	if c.NotificationBus == "" {
		c.NotificationBus = "towervend"
	}
	if c.WaitBudget == 0 {
		c.WaitBudget = 120 * time.Minute
	}
	if c.AccessPolls == 0 {
		c.AccessPolls = 60
	}
	if c.Provisioning == "" {
		c.Provisioning = ProvisioningAccountFactory
	}
	return c
}

// Deps is everything a step needs: AWS clients, the policy, configuration, a
// clock and a logger. Build it once per Lambda container (or local runtime).
type Deps struct {
	Org          OrgAPI
	Catalog      CatalogAPI
	ControlTower ControlTowerAPI
	SSO          SSOAdminAPI
	Identity     IdentityStoreAPI
	STS          STSAPI
	Events       EventsAPI
	SFN          SFNAPI
	SQS          SQSAPI
	Waits        WaitsAPI
	Policy       *policy.Policy
	Config       Config
	Clock        clock.Clock
	Log          *slog.Logger

	// idc paces Identity Center calls under the 20 TPS collective limit.
	idc *pacer
	// instance caches the Identity Center instance once found.
	mu       sync.Mutex
	instance *instance
	// landingZone caches the landing zone once it is new enough.
	landingZone *landingZone
	// cache keeps what rarely changes for lookupTTL (see cached).
	cache map[string]cacheEntry
}

type cacheEntry struct {
	value any
	at    time.Time
}

// lookupTTL is how long a function container trusts what it read of the
// organization's shape (its OUs, the permission sets, the Account Factory
// product): a request validated right after an OU or permission set was made
// may not see it for that long, and is rejected with the reason (a redrive or
// a new request then finds it). What a request changes or counts — accounts,
// products, the gate — is always read afresh.
const lookupTTL = 5 * time.Minute

// cached returns what load returned under key within lookupTTL, or loads it
// (an error is not kept).
func cached[T any](d *Deps, key string, load func() (T, error)) (T, error) {
	now := d.Clock.Now()
	d.mu.Lock()
	if e, ok := d.cache[key]; ok && now.Sub(e.at) < lookupTTL {
		d.mu.Unlock()
		return e.value.(T), nil
	}
	d.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	d.mu.Lock()
	if d.cache == nil {
		d.cache = map[string]cacheEntry{}
	}
	d.cache[key] = cacheEntry{value: v, at: now}
	d.mu.Unlock()
	return v, nil
}

type instance struct{ arn, storeID string }

// ClientOptions tune the AWS clients NewDeps builds.
type ClientOptions struct {
	// MaxAttempts per call (default 8: towervend raises the SDK's 3).
	MaxAttempts int
	// Backoff replaces the SDK's backoff (the local runtime waits on its clock).
	Backoff retry.BackoffDelayer
	// NoRetryQuota turns off the SDK's client-side retry token bucket.
	NoRetryQuota bool
}

// NewDeps builds Deps with aws-sdk-go-v2 clients from cfg, using standard
// retries with raised attempts.
func NewDeps(cfg aws.Config, pol *policy.Policy, conf Config, clk clock.Clock, log *slog.Logger, opts ClientOptions) *Deps {
	attempts := opts.MaxAttempts
	if attempts == 0 {
		attempts = 8
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = 20 * time.Second
			if opts.Backoff != nil {
				o.Backoff = opts.Backoff
			}
			if opts.NoRetryQuota {
				o.RateLimiter = noRateLimit{}
			}
		})
	}
	if conf.Region == "" {
		conf.Region = cfg.Region
	}
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if pol == nil {
		pol = &policy.Policy{}
	}
	return &Deps{
		Org:          organizations.NewFromConfig(cfg),
		Catalog:      servicecatalog.NewFromConfig(cfg),
		ControlTower: controltower.NewFromConfig(cfg),
		SSO:          ssoadmin.NewFromConfig(cfg),
		Identity:     identitystore.NewFromConfig(cfg),
		STS:          sts.NewFromConfig(cfg),
		Events:       eventbridge.NewFromConfig(cfg),
		SFN:          sfn.NewFromConfig(cfg),
		SQS:          sqs.NewFromConfig(cfg),
		Waits:        dynamodb.NewFromConfig(cfg),
		Policy:       pol,
		Config:       conf.withDefaults(),
		Clock:        clk,
		Log:          log,
	}
}

type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

// ClockBackoff makes SDK retries wait on a clock: exponential with full jitter
// like the SDK's own, but a Virtual clock jumps over the wait instead of the
// process sleeping.
type ClockBackoff struct {
	Clock clock.Clock
	// Rand returns a float in [0,1) for the jitter; nil means no jitter.
	Rand func() float64
}

// BackoffDelay implements retry.BackoffDelayer: it waits and returns zero.
func (b ClockBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	d := time.Duration(1<<min(attempt, 5)) * 100 * time.Millisecond
	if b.Rand != nil {
		d = time.Duration(b.Rand() * float64(d))
	}
	_ = b.Clock.Sleep(context.Background(), d)
	return 0, nil
}

// pacer spaces calls on the clock: at most rate calls a second, in bursts
// of up to rate. Each caller reserves the next free slot and sleeps until it
// (the generic cell rate algorithm), so a crowd of callers sleeps once each
// instead of all waking for every token and all but one sleeping again.
type pacer struct {
	mu    sync.Mutex
	clock clock.Clock
	rate  float64
	// next is the earliest free slot; up to a second of slots before now may
	// be taken at once (the burst).
	next time.Time
}

// identityCenterTPS keeps towervend under Identity Center's 20 TPS collective
// limit with room for other callers.
const identityCenterTPS = 15

func (d *Deps) idcPacer() *pacer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.idc == nil {
		d.idc = &pacer{clock: d.Clock, rate: identityCenterTPS}
	}
	return d.idc
}

// wait blocks until the caller's slot comes. A slot whose caller gave up
// (ctx ended) is not handed back.
func (p *pacer) wait(ctx context.Context) error {
	interval := time.Duration(float64(time.Second) / p.rate)
	p.mu.Lock()
	now := p.clock.Now()
	if earliest := now.Add(-time.Second + interval); p.next.Before(earliest) {
		p.next = earliest
	}
	at := p.next
	p.next = at.Add(interval)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return p.clock.Sleep(ctx, d)
	}
	return nil
}

// logger returns the logger with the request id and step on every line.
func (d *Deps) logger(doc *Doc, step string) *slog.Logger {
	return d.Log.With("requestId", doc.Request.RequestID, "step", step)
}
