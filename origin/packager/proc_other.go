//go:build !linux

package packager

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
