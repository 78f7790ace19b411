# SPDX-License-Identifier: GPL-2.0
#
# zcopy: top-level build.
#
#   make              module (against KDIR), zcctl and selftest programs
#   make nginx-module ngx_http_zcopy_module.so for the packaged nginx, in
#                     build/nginx (tools/nginx; needs nginx-dev)
#   make install      module, zcctl, its man page and bash completion,
#                     libzcopy (library, headers, zcopy.pc, man pages)
#                     (DESTDIR=, PREFIX= as usual)
#   make demo         boot Debian's 6.1 kernel and show a transfer (KERNEL=distro:
#                     its 6.12)
#   make check        the whole test suite on Debian 12's 6.1 and 6.12
#                     kernels and the 6.12 debug kernel, in QEMU
#   make stress       the stress and fault-injection tests, longer, on the
#                     debug kernel (STRESS_SECONDS=, default 60)
#   make soak         fuzzing, stress and fault injection at once on the
#                     debug kernel, in rounds (SOAK_MINUTES=, default 60)
#   make bench        zcbench, zcserve and nginx under wrk, in QEMU (~40 min)
#   make bench-quick  the same, smaller (a few minutes), for development
#   make bench-cold   only the cold-file points: disk reads (~5 min)
#   make style        checkpatch --strict on the kernel code and uapi header,
#                     and whether the generated files match the netlink spec
#   make regen        regenerate what the netlink spec gives (the family's
#                     uapi header, kmod/generated/), with the kernel's YNL
#                     generator
#   make sparse       sparse on the kernel code (same as: make module C=2)
#   make deps         install the Debian packages everything above needs
#   make vm           an interactive shell in a guest (KERNEL=distro|debug)

# The running kernel, if its headers are installed (what `insmod` needs),
# else the newest installed Debian 6.12 kernel with image and headers;
# override with KVER= or KDIR=.  The test guests build their own
# (tools/scripts/build-module.sh).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	  else tools/scripts/kver.sh; fi)
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?= $(shell tools/scripts/ksrc.sh 2>/dev/null)
KERNEL ?= distro

export KDIR KSRC

KERNEL_SOURCES = $(filter-out %.mod.c,$(wildcard kmod/*.[ch] kmod/tests/*.[ch])) \
		 include/uapi/linux/zcopy.h

PREFIX ?= /usr/local

.PHONY: all module zcctl zcbench zcserve zcdemo selftests libzcopy deps style \
	sparse check stress soak bench bench-quick bench-cold demo vm clean install \
	nginx-module \
	print-kdir regen

all: module libzcopy zcctl zcbench zcserve zcdemo selftests

module:
	@test -d "$(KDIR)" || { echo "no kernel tree at KDIR='$(KDIR)' (run: make deps)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod $(if $(C),C=$(C)) modules

zcctl:
	$(MAKE) -C tools/zcctl

libzcopy:
	$(MAKE) -C tools/lib/zcopy

zcbench:
	$(MAKE) -C tools/zcbench

zcserve:
	$(MAKE) -C tools/zcserve

zcdemo:
	$(MAKE) -C tools/demo

selftests:
	$(MAKE) -C selftests/zcopy

nginx-module: libzcopy
	tools/nginx/build.sh build/nginx

# Into DESTDIR, if given, for packaging; depmod only for the live system.
# Unsigned: the signing key of a distribution kernel is not ours to use.
install: module zcctl libzcopy
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) \
		INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools/zcctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C tools/lib/zcopy install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

deps:
	tools/scripts/deps.sh

style:
	@test -n "$(KSRC)" || { echo "no kernel source (run: make deps)" >&2; exit 1; }
	$(KSRC)/scripts/checkpatch.pl --strict --no-tree --quiet --show-types \
		-f $(KERNEL_SOURCES)
	tools/scripts/regen.sh --check
	@echo "style: clean"

regen:
	tools/scripts/regen.sh

sparse:
	@mkdir -p build
	$(MAKE) module C=2 2>&1 | tee build/sparse.log
	@! grep -E '(warning|error):' build/sparse.log || { echo "sparse: findings above" >&2; exit 1; }
	@echo "sparse: clean"

check: deps
	tools/testing/check.sh

STRESS_SECONDS ?= 60

stress: deps all nginx-module
	tools/testing/stress.sh $(STRESS_SECONDS)

SOAK_MINUTES ?= 60
soak: deps all
	tools/testing/soak.sh $(SOAK_MINUTES)

bench: deps all nginx-module
	tools/testing/bench/run.sh full

bench-quick: deps all nginx-module
	tools/testing/bench/run.sh quick

bench-cold: deps all
	tools/testing/bench/run.sh cold

# Debian's default 6.1 kernel, or the one given: make demo KERNEL=distro
demo: deps
	tools/testing/demo/run.sh $(if $(filter command line,$(origin KERNEL)),$(KERNEL))

vm: deps all
	tools/testing/vm/run --kernel $(KERNEL) --interactive

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean 2>/dev/null || true
	$(MAKE) -C selftests/zcopy clean
	$(MAKE) -C tools/zcctl clean
	$(MAKE) -C tools/zcbench clean
	$(MAKE) -C tools/zcserve clean
	$(MAKE) -C tools/lib/zcopy clean
	$(MAKE) -C tools/demo clean
	rm -rf build

# For scripts: the kernel tree `make module` builds against.
print-kdir:
	@echo $(KDIR)

# Packaging (Documentation/packaging.rst).
#   make deb           zcopy-dkms and zcopy-tools .debs in build/deb/
#   make dkms-install  the module under DKMS: built for every installed
#                      kernel, rebuilt on kernel upgrades
#   make dkms-remove   the module out of DKMS, for every kernel

.PHONY: deb dkms-install dkms-remove

deb:
	tools/packaging/build-deb.sh build/deb

# DKMS_SRC and DKMS_FLAGS (e.g. --dkmstree, --installtree) for trees other
# than the system's: tools/packaging/dkms/dkms.sh.
export DKMS_SRC DKMS_FLAGS

dkms-install:
	tools/packaging/dkms/dkms.sh install

dkms-remove:
	tools/packaging/dkms/dkms.sh remove
