# Compiler flags of the sanitizer and fuzzing builds (TETHER_SANITIZE, TETHER_FUZZ: see the
# top-level CMakeLists.txt). Included before any target, so every library, program and test
# is instrumented alike: a sanitizer only sees what was compiled with it.

if(TETHER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TETHER_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # A fuzzer without ASan and UBSan finds only crashes; with them, every overflow and UB.
  if(NOT TETHER_SANITIZE)
    set(TETHER_SANITIZE "address,undefined")
  endif()
  # Coverage feedback for every library; libFuzzer's main() is linked into fuzz/ only.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(TETHER_SANITIZE)
  # -fno-sanitize-recover: UBSan otherwise prints and carries on, and the test passes.
  add_compile_options(-fsanitize=${TETHER_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${TETHER_SANITIZE})
endif()
