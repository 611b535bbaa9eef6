# cmake -DTRAPEZE=... -DROM=... -DEXPECTED=... -DOUT=... -P run_rom_test.cmake
# Runs one corpus ROM on trapeze's PC machine and compares its port-0xE9 output with the
# expected output (produced by Bochs) byte for byte; prints a unified diff on mismatch. The
# interpreter runs it: tests/jit compares the JIT with it on every ROM.
foreach(var TRAPEZE ROM EXPECTED OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_rom_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${ROM}")
  message(FATAL_ERROR "ROM not found: ${ROM} (build the x86_corpus target)")
endif()
if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "expected output not found: ${EXPECTED}")
endif()

file(REMOVE "${OUT}")
execute_process(
  COMMAND "${TRAPEZE}" run pc -bios "${ROM}" -debugcon "file:${OUT}" --engine=interp --max-insns 200000000
  RESULT_VARIABLE run_rc
  OUTPUT_VARIABLE run_stdout
  ERROR_VARIABLE run_stderr)
if(NOT EXISTS "${OUT}")
  message(FATAL_ERROR "trapeze wrote no output (exit ${run_rc})\n${run_stdout}\n${run_stderr}")
endif()

file(READ "${OUT}" got HEX)
file(READ "${EXPECTED}" want HEX)
if(NOT got STREQUAL want)
  execute_process(
    COMMAND diff -u --label expected --label trapeze "${EXPECTED}" "${OUT}"
    OUTPUT_VARIABLE diff_out
    ERROR_VARIABLE diff_err)
  message("${diff_out}${diff_err}")
  message(FATAL_ERROR "output of ${ROM} differs from ${EXPECTED} (trapeze exit ${run_rc})\n"
                      "${run_stderr}")
endif()
message(STATUS "output matches ${EXPECTED} (trapeze exit ${run_rc})")
