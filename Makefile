# SPDX-License-Identifier: GPL-2.0
#
# zcopy: top-level build.
#
#   make              module (against KDIR), zcctl and selftest programs
#   make install      module, zcctl, its man page and bash completion
#                     (DESTDIR=, PREFIX= as usual)
#   make demo         boot the distribution kernel and show the module working
#   make check        the whole test suite on both kernels, in QEMU
#   make stress       the stress and fault-injection tests, longer, on the
#                     debug kernel (STRESS_SECONDS=, default 60)
#   make bench        zcbench, zcserve and nginx under wrk, in QEMU (~40 min)
#   make bench-quick  the same, smaller (a few minutes), for development
#   make bench-cold   only the cold-file points: disk reads (~5 min)
#   make style        checkpatch --strict on the kernel code and uapi header
#   make sparse       sparse on the kernel code (same as: make module C=2)
#   make deps         install the Debian packages everything above needs
#   make vm           an interactive shell in a guest (KERNEL=distro|debug)

# Newest installed Debian 6.12 kernel with image and headers; override
# with KDIR=...
KVER ?= $(shell tools/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?= $(shell tools/ksrc.sh 2>/dev/null)
KERNEL ?= distro

export KDIR KSRC

KERNEL_SOURCES = $(filter-out %.mod.c,$(wildcard kmod/*.[ch] kmod/tests/*.[ch])) \
		 include/uapi/linux/zcopy.h

PREFIX ?= /usr/local

.PHONY: all module zcctl zcbench zcserve zcdemo selftests deps style sparse check \
	stress bench bench-quick bench-cold demo vm clean install print-kdir

all: module zcctl zcbench zcserve zcdemo selftests

module:
	@test -d "$(KDIR)" || { echo "no kernel tree at KDIR='$(KDIR)' (run: make deps)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod $(if $(C),C=$(C)) modules

zcctl:
	$(MAKE) -C tools/zcctl

zcbench:
	$(MAKE) -C tools/zcbench

zcserve:
	$(MAKE) -C tools/zcserve

zcdemo:
	$(MAKE) -C tools/demo

selftests:
	$(MAKE) -C selftests/zcopy

# Into DESTDIR, if given, for packaging; depmod only for the live system.
# Unsigned: the signing key of a distribution kernel is not ours to use.
install: module zcctl
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) \
		INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools/zcctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

deps:
	tools/deps.sh

style:
	@test -n "$(KSRC)" || { echo "no kernel source (run: make deps)" >&2; exit 1; }
	$(KSRC)/scripts/checkpatch.pl --strict --no-tree --quiet --show-types \
		-f $(KERNEL_SOURCES)
	@echo "style: clean"

sparse:
	$(MAKE) module C=2 2>&1 | tee build/sparse.log
	@! grep -E '(warning|error):' build/sparse.log || { echo "sparse: findings above" >&2; exit 1; }
	@echo "sparse: clean"

check: deps
	tools/check.sh

STRESS_SECONDS ?= 60

stress: deps all
	tools/stress.sh $(STRESS_SECONDS)

bench: deps all
	tools/bench/run.sh full

bench-quick: deps all
	tools/bench/run.sh quick

bench-cold: deps all
	tools/bench/run.sh cold

demo: deps
	tools/demo.sh

vm: deps all
	tools/vm/run --kernel $(KERNEL) --interactive

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean 2>/dev/null || true
	$(MAKE) -C selftests/zcopy clean
	$(MAKE) -C tools/zcctl clean
	$(MAKE) -C tools/zcbench clean
	$(MAKE) -C tools/zcserve clean
	$(MAKE) -C tools/demo clean
	rm -rf build

# For scripts: the kernel tree `make module` builds against.
print-kdir:
	@echo $(KDIR)
