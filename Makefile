# towervend — see README.md. Every tool is pinned; `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = 20

FUNCTIONS := $(notdir $(wildcard functions/*))
GOLANGCI_LINT_VERSION := v2.15.0
ASL_VALIDATOR := asl-validator@4.0.0
CDK := aws-cdk@2.1148.1
ASL_FILE := statemachine/vending.asl.json

.PHONY: clients browser demo test unit fmt-check vet asl-check cfn-lint cfn-lint-installed build lint bench soak coldstart fuzz fuzz-brief synth deploy clean

## demo: run the whole job locally on the embedded simulated organization
demo:
	$(GO) run ./cmd/towervend local

## test: everything CI checks (formatting, vet, race-enabled tests, the ASL file, cfn-lint on the synthesized
## templates, a brief fuzz of every target, real AWS clients against the simulator, the timeline in a browser)
test: fmt-check vet unit asl-check cfn-lint fuzz-brief clients browser

## clients: real AWS clients against `towervend sim` (cmd/towervend/clients_test.go): AWS CLI 1.x, which speaks
## SQS's JSON protocol, and Debian 12's AWS CLI 2.9.19, which speaks its Query protocol. Neither comes from a Go or
## npm registry: a missing one fails at once, naming its fix (.ci/run installs Debian's with apt-get).
clients:
	$(GO) test -count=1 -tags clients -timeout 10m -run '^TestClient' ./cmd/towervend/

## browser: the demo's timeline (towervend local --timeline) in Debian's chromium, headless and offline
## (internal/timeline/browser_test.go): it renders, the lanes and bars are laid out, and hovering a bar shows the
## text naming its request. chromium is a Debian package, not a registry's: a missing one fails at once, naming
## its fix (.ci/run installs it with apt-get); CHROMIUM names another binary.
browser:
	@$${CHROMIUM:-chromium} --version >/dev/null 2>&1 || { \
		echo "$${CHROMIUM:-chromium} is missing ('$${CHROMIUM:-chromium} --version' failed): install Debian's chromium, e.g. 'sudo apt-get install -y chromium', or set CHROMIUM to a Chromium or Chrome binary, then run 'make browser' again" >&2; \
		exit 1; }
	$(GO) test -count=1 -tags browser -timeout 5m -run '^TestBrowser' ./internal/timeline/

## fuzz-brief: each fuzz target for FUZZBRIEF runs (CI); `make fuzz` runs them longer. A count, not
## a duration: Go 1.26's fuzz coordinator can fail a target with a bare "context deadline exceeded"
## when a -fuzztime duration ends under CPU load (golang/go#75804, fixed in Go 1.27); a count has no deadline.
FUZZBRIEF ?= 2000x
fuzz-brief:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZBRIEF)

fmt-check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags clients ./cmd/towervend/
	$(GO) vet -tags browser ./internal/timeline/

## unit: race-enabled tests of everything but the CDK app, then the CDK app's tests
## without -race (its packages drive a Node.js jsii runtime; -race only makes them slow)
unit:
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v -E '/towervend/infra(/|$$)')
	$(GO) test -count=1 -timeout 15m ./infra/...

## asl-check: validate the state machine with asl-validator (npm, pinned)
asl-check:
	@if [ -f $(ASL_FILE) ]; then npx --yes $(ASL_VALIDATOR) --json-path $(ASL_FILE); else echo "no $(ASL_FILE) yet"; fi

## cfn-lint: synthesize (offline) and lint every template in cdk.out with cfn-lint; .cfnlintrc.yaml lists the
## checks it ignores and why, so any other error or warning fails. cfn-lint is not fetched here (there may be no
## Python package index): it must be installed, and its absence fails at once with the fix.
cfn-lint: cfn-lint-installed
	@$(MAKE) --no-print-directory synth
	cfn-lint cdk.out/*.template.json

cfn-lint-installed:
	@cfn-lint --version >/dev/null 2>&1 || { \
		echo "cfn-lint is missing ('cfn-lint --version' failed): install cfn-lint 1.x, e.g. 'pip install \"cfn-lint>=1.51,<2\"' or 'pipx install cfn-lint', then run 'make cfn-lint' again" >&2; \
		exit 1; }
	@echo "$$(cfn-lint --version)"

## build: the Lambda binaries (linux/arm64, provided.al2023) into dist/, with their sizes, and the CLI.
## The same flags as infra/bundle, which `make synth` uses: the stack builds its own assets at synth time.
build:
	@mkdir -p dist
	@for f in $(FUNCTIONS); do \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -tags lambda.norpc -ldflags "-s -w" -o dist/$$f/bootstrap ./functions/$$f || exit 1; \
		printf "%-18s %8d bytes\n" $$f $$(stat -c %s dist/$$f/bootstrap); \
	done
	@$(GO) build -o bin/towervend ./cmd/towervend

lint:
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...

## bench: vend 500 accounts through the whole local pipeline on a virtual clock and report the makespan
## against Control Tower's bound, the load, and the work per account (BENCHMARKS.md explains every number);
## then the Go micro-benchmarks. BENCH_FLAGS go to `towervend bench`, e.g. BENCH_FLAGS="-n 100 -c 10 -t 20m",
## or BENCH_FLAGS="-n 1000 --spread 10m --drop-events 0.2 --json" (BENCHMARKS.md's event-driven waits table).
bench:
	$(GO) run ./cmd/towervend bench $(BENCH_FLAGS)
	$(GO) test -run '^$$' -bench . -benchmem ./...

## soak: 1000 requests, each delivered twice, through throttling, failed provisionings and a busy
## Control Tower; asserts nothing is lost, duplicated, unexplained or in the wrong OU, then redrives the
## failures. It runs once per provisioning backend in SOAK_BACKENDS, each with SOAK_FLAGS_<backend> and then
## SOAK_FLAGS; the second runs even when the first fails, and the target fails if either did. Auto-enrollment
## moves one account at a time into an OU, so its soak spreads the requests over as many OUs as Control Tower
## has slots (--ous 5): the bursts then arrive no faster than it can enroll them, as they do for Account Factory.
SOAK_BACKENDS ?= accountFactory autoEnrollment
SOAK_FLAGS_autoEnrollment ?= --ous 5
soak:
	@status=0; $(foreach b,$(SOAK_BACKENDS),echo "== $(strip towervend bench --soak --provisioning $(b) $(SOAK_FLAGS_$(b)) $(SOAK_FLAGS))"; \
		$(GO) run ./cmd/towervend bench --soak --provisioning $(b) $(SOAK_FLAGS_$(b)) $(SOAK_FLAGS) || status=1;) exit $$status

## coldstart: build the functions for this machine (same flags as build) and time each one from process
## start to its first answered event, against an emulated Lambda runtime API and the simulator on loopback
coldstart:
	@mkdir -p dist/host
	@for f in $(FUNCTIONS); do \
		CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -tags lambda.norpc -ldflags "-s -w" -o dist/host/$$f/bootstrap ./functions/$$f || exit 1; \
	done
	$(GO) run ./cmd/towervend bench --coldstart dist/host

## fuzz: run each fuzz target for FUZZTIME (go test -fuzz runs one target per command);
## `go test` (CI) runs their seed corpora as ordinary tests. Minimizing a new input is capped at
## FUZZMINIMIZE runs: the handler targets take milliseconds a run, and Go's default (60 s of
## minimizing per new input) would spend all of FUZZTIME on the first one.
FUZZTIME ?= 30s
FUZZMINIMIZE ?= 100x
FUZZ_TARGETS := internal/request:FuzzDecode internal/policy:FuzzParse internal/vend:FuzzIntake \
	internal/vend:FuzzLifecycle internal/asl:FuzzParse internal/asl:FuzzIntrinsic \
	internal/awssim/dynamodb:FuzzExpressions
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./$$pkg || exit 1; \
	done

## synth: check the configuration in cdk.json, build the functions and write cdk.out (offline; see infra/README.md)
synth:
	npx --yes $(CDK) synth

## deploy: synth and deploy both stacks (the home Region's and, if it is not us-east-1, the Organizations forwarder)
deploy:
	npx --yes $(CDK) deploy --all

clean:
	rm -rf dist bin cdk.out
