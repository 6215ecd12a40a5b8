# llm4all build. Plain GNU make: every .c under src/ goes into the library, every .c under
# apps/ into the CLI, every tests/test_*.c into its own test program.
#
#   make              library (static + shared), CLI at build/llm4all, tests
#   make test         build, then run the whole suite (tests/run.sh)
#   make SAN=1 test   the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-san/)
#   make fuzz         libFuzzer targets (clang) in build-fuzz/
#   make install      PREFIX=/usr/local: header, libraries, CLI, pkg-config file

PREFIX ?= /usr/local
CC ?= cc
SAN ?= 0

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT ?= -O1
# The kernels carry the model runs of the suite: at -O1 under ASan a prompt is read no faster
# than token by token (smollm2, 600 tokens: 110 s). At -O2, and without the stack checks of the
# SIMD tiles (their accumulator arrays, indexed by constants, then stay in registers; heap and
# global reads, the weights and activations, are still checked), 34 s. Measured with
# `llm4all run -m smollm2-135m -f PROMPT -n 4 -t 1`, user time.
ASAN_NO_STACK := $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),-mllvm -asan-stack=0,--param asan-stack=0)
$(BUILD)/obj/src/kernels/%.o: OPT = -O2
$(BUILD)/obj/src/kernels/arch/%.o: SANFLAGS += $(ASAN_NO_STACK)
else
BUILD ?= build
SANFLAGS =
OPT ?= -O2
endif

# The kernels' plain C loops (kernels/vec.h) are written for the vectorizer, which leaves a
# loop scalar when a condition in it feeds a float operation that might trap: the clamps of
# l4a_exp_approx kept SwiGLU one value at a time (1.5% of a 1.5B model's decode, 2 threads).
# Nothing here reads the floating-point exception flags; the results are the same bits.
$(BUILD)/obj/src/kernels/%.o: CFLAGS_VEC = -fno-trapping-math

GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
WARN = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS_BASE = -std=c11 -g $(OPT) $(WARN) -D_GNU_SOURCE -fPIC -fvisibility=hidden \
              -Iinclude -Isrc -DL4A_GIT_COMMIT='"$(GIT_COMMIT)"' $(SANFLAGS) $(CFLAGS_VEC)
CFLAGS_ALL = $(CFLAGS_BASE) $(CFLAGS)
LDLIBS_LIB = -lm -lpthread -lutf8proc -lcjson -lmicrohttpd
LDLIBS_APP = $(LDLIBS_LIB) -lcrypto

LIB_SRC  := $(shell find src -name '*.c' | sort)
APP_SRC  := $(shell find apps -name '*.c' | sort)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TESTLIB_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))

# Data embedded into the library (prompts, schemas, the server's web page): tools/embed writes
# $(BUILD)/gen/embedded.c.
EMBED_DATA := $(sort $(wildcard data/prompts/*.txt)) $(sort $(wildcard data/schemas/*.json)) \
              $(sort $(wildcard data/web/*))
GEN_OBJ  := $(BUILD)/obj/gen/embedded.o
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_OBJ)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/obj/%.o)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all lib cli tests test fuzz install clean check-symbols
all: lib cli tests

lib: $(BUILD)/libllm4all.a $(BUILD)/libllm4all.so $(BUILD)/llm4all.pc
cli: $(BUILD)/llm4all
tests: $(TEST_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The version string names the commit: system.o is rebuilt when HEAD moves (the stamp is
# rewritten only when its content changes).
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' > $@
$(BUILD)/obj/src/core/system.o: $(BUILD)/commit.stamp
.PHONY: FORCE
FORCE:

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 $(WARN) -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/tools/embed $(EMBED_DATA) Makefile
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(EMBED_DATA)

$(GEN_OBJ): $(BUILD)/gen/embedded.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libllm4all.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libllm4all.so: $(LIB_OBJ)
	$(CC) -shared $(SANFLAGS) -Wl,-soname,libllm4all.so.0 -o $@ $^ $(LDLIBS_LIB)

$(BUILD)/llm4all: $(APP_OBJ) $(BUILD)/libllm4all.a
	$(CC) $(SANFLAGS) -o $@ $(APP_OBJ) $(BUILD)/libllm4all.a $(LDLIBS_APP)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TESTLIB_OBJ) $(BUILD)/libllm4all.a
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -o $@ $< $(TESTLIB_OBJ) $(BUILD)/libllm4all.a $(LDLIBS_APP)

$(BUILD)/llm4all.pc: llm4all.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' $< > $@

test: all
	BUILD=$(BUILD) tests/run.sh

# Only l4a_-prefixed symbols may be exported from the shared library.
check-symbols: $(BUILD)/libllm4all.so
	@bad=$$(nm -D --defined-only $< | awk '$$2 ~ /^[TDBRV]$$/ {print $$3}' | grep -v '^l4a_' || true); \
	if [ -n "$$bad" ]; then echo "exported symbols without the l4a_ prefix:"; echo "$$bad"; exit 1; fi; \
	echo "check-symbols: ok"

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SAN = -fsanitize=fuzzer-no-link,address,undefined
FUZZ_CFLAGS = -std=c11 -g -O1 -D_GNU_SOURCE -Iinclude -Isrc $(FUZZ_SAN)
# The SIMD kernels are no parsers (the SAN=1 suite checks them) and clang takes many minutes to
# instrument their intrinsics: coverage only for them.
build-fuzz/obj/src/kernels/arch/%.o: FUZZ_SAN = -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o) build-fuzz/obj/gen/embedded.o
fuzz: $(FUZZ_BIN)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
build-fuzz/gen/embedded.c: $(BUILD)/tools/embed $(EMBED_DATA)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(EMBED_DATA)
build-fuzz/obj/gen/embedded.o: build-fuzz/gen/embedded.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
build-fuzz/libllm4all-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/%: tests/fuzz/%.c build-fuzz/libllm4all-fuzz.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/libllm4all-fuzz.a $(LDLIBS_LIB)

install: lib cli
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/llm4all.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libllm4all.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libllm4all.so $(DESTDIR)$(PREFIX)/lib/libllm4all.so.0
	ln -sf libllm4all.so.0 $(DESTDIR)$(PREFIX)/lib/libllm4all.so
	install -m 644 $(BUILD)/llm4all.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(BUILD)/llm4all $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj build-fuzz/obj -name '*.d' 2>/dev/null)
