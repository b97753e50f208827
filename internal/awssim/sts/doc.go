// Package sts simulates AWS STS at the wire level (the Query protocol, signing
// name "sts"): GetCallerIdentity, and AssumeRole into member accounts through
// the one role the simulator knows there, AWSControlTowerExecution, or into the
// roles the world's principals use.
//
// One Service owns the access keys: the world's principals' and the role
// sessions AssumeRole issued. The root's router asks it (Principal) who signed
// each request, and a snapshot holds the keys under "accessKeys".
//
// It may import protocol, internal/clock, the standard library and third-party
// libraries in go.mod, and not the root package awssim nor any other service
// package: what AssumeRole needs of AWS Organizations comes through the
// Organization interface, which the root implements.
package sts
