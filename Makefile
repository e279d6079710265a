# SPDX-License-Identifier: LGPL-2.1-or-later
# Thin wrapper over meson. `make` and `make run` build and run with what is installed,
# installing nothing: scripts/check-build-deps.sh names a missing build dependency and its
# package on Debian, Fedora and Arch. `make deps` installs the build dependencies, `make
# deps-vm` also the vm lane's (Debian and Ubuntu); `make demo` and `make check` do that
# first themselves.
MESON ?= meson
BUILD ?= build

.PHONY: all build deps deps-vm run demo check package-check golden-update bench fuzz format clean

all: build

deps:
	@scripts/install-deps.sh

deps-vm:
	@scripts/install-deps.sh --vm

$(BUILD)/build.ninja:
	@scripts/check-build-deps.sh
	$(MESON) setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

# Read-only on this machine: doctor says whether it can do passthrough, groups shows
# what would have to move together. doctor exits 1 on a host that is not ready; that is
# an answer, not a build failure.
run: build
	@echo '$$ vfiokit doctor'; $(BUILD)/tool/vfiokit doctor || echo "(doctor exit status $$?)"
	@echo; echo '$$ vfiokit groups'; $(BUILD)/tool/vfiokit groups

# The sandbox: a VM with an emulated IOMMU where the whole flow runs for real.
demo: deps-vm
	$(MAKE) build
	tests/vm/demo.sh $(BUILD)

# Three builds: sanitizers + -Werror (default lanes), gcc release (default lanes and the vm
# lane), clang with ThreadSanitizer (compile, threaded code's tests); then the package lane (Debian packages built and installed).
# The last line is the sum over the runs: "N passed, N failed, N skipped".
check: deps-vm
	@rm -f build-check-*/meson-logs/testlog.json
	rm -rf build-check-asan && $(MESON) setup build-check-asan --native-file build-dev.ini >/dev/null
	-ASAN_OPTIONS=detect_leaks=1 $(MESON) test -C build-check-asan --print-errorlogs
	rm -rf build-check-gcc && $(MESON) setup build-check-gcc -Dwerror=true -Dbuildtype=release >/dev/null
	-$(MESON) test -C build-check-gcc --print-errorlogs
	# The real-kernel lane: Debian's 6.12 kernel and a 6.12 built with iommufd, under QEMU
	# with an emulated VT-d. The built kernel is cached outside the tree.
	-tests/vm/prepare.sh && tests/vm/build-kernel.sh >/dev/null && $(MESON) test -C build-check-gcc --setup vm --suite vm --print-errorlogs
	# clang with ThreadSanitizer: everything compiles, and the tests of the code that runs
	# on several threads (listings, the IOMMU's shared state) run race-checked.
	rm -rf build-check-clang && CC=clang $(MESON) setup build-check-clang -Dwerror=true -Db_sanitize=thread -Db_lundef=false >/dev/null
	-$(MESON) compile -C build-check-clang >/dev/null && echo "clang build: ok" \
		&& TSAN_OPTIONS=halt_on_error=1 $(MESON) test -C build-check-clang --print-errorlogs parallel device iommu \
		|| (echo "clang build: FAILED"; echo '{"result":"FAIL","name":"clang-build"}' \
		> build-check-clang/meson-logs/testlog.json)
	-scripts/check-format.sh && echo "format: ok" || (echo "format: FAILED (scripts/check-format.sh --fix)"; \
		echo '{"result":"FAIL","name":"format"}' > build-check-format.json)
	@test -f build-check-format.json || echo '{"result":"OK","name":"format"}' > build-check-format.json
	@test -f build-check-clang/meson-logs/testlog.json || echo '{"result":"OK","name":"clang-build"}' \
		> build-check-clang/meson-logs/testlog.json
	@rm -f build-check-package.json
	# The package lane: the debs from HEAD, lintian, installed in a new Debian 12 root.
	-scripts/install-deps.sh --package && tests/package/check-packages.sh --json build-check-package.json
	@test -f build-check-package.json || echo '{"result":"FAIL","name":"package"}' > build-check-package.json
	@scripts/summarize-tests.py build-check-asan/meson-logs/testlog.json \
		build-check-gcc/meson-logs/testlog.json build-check-gcc/meson-logs/testlog-vm.json \
		build-check-clang/meson-logs/testlog.json \
		build-check-format.json build-check-package.json; status=$$?; \
		rm -f build-check-format.json build-check-package.json; exit $$status

# The Debian packages from the committed HEAD: built, lintian-clean, installed into a new
# Debian 12 root where vfiokit doctor runs; the RPM spec and PKGBUILD parse. As root.
package-check:
	@scripts/install-deps.sh --package
	tests/package/check-packages.sh

# Rewrites tests/data/expected/ from the current build; review `git diff` before committing.
golden-update: build
	tests/cli/run-golden.sh --update $(BUILD)/tool/vfiokit $(BUILD)/tests/tools/mkroot --all

bench:
	@scripts/install-deps.sh --bench
	rm -rf build-bench && $(MESON) setup build-bench -Dbuildtype=release >/dev/null
	$(MESON) compile -C build-bench
	bench/run.sh build-bench

# libFuzzer over every target in tests/fuzz/ (clang, build-fuzz/), FUZZ_TIME seconds each on a
# copy of its seed corpus; prints executions and coverage per target.
FUZZ_TIME ?= 60
fuzz:
	FUZZ_TIME=$(FUZZ_TIME) BUILD=build-fuzz scripts/fuzz.sh

format:
	scripts/check-format.sh --fix

clean:
	rm -rf $(BUILD) build-check-* build-bench
