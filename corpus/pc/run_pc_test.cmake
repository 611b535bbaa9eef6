# cmake -DTRAPEZE=... -DARGS="a|b|c" -DEXPECTED=... -DOUT=... [-DSTDERR_REGEX=...] -P run_pc_test.cmake
# Runs a pc corpus ROM with its serial output going to OUT, expects exit status 0, and
# compares OUT with EXPECTED byte for byte.
foreach(var TRAPEZE ARGS EXPECTED OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_pc_test.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REPLACE "|" ";" args "${ARGS}")
file(REMOVE "${OUT}")
execute_process(
  COMMAND "${TRAPEZE}" run pc ${args} -serial "file:${OUT}"
  INPUT_FILE /dev/null
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "trapeze exit status ${rc}, expected 0\n${out}\n${err}")
endif()
if(DEFINED STDERR_REGEX AND NOT err MATCHES "${STDERR_REGEX}")
  message(FATAL_ERROR "stderr does not match '${STDERR_REGEX}':\n${err}")
endif()
file(READ "${OUT}" got HEX)
file(READ "${EXPECTED}" want HEX)
if(NOT got STREQUAL want)
  execute_process(COMMAND diff -u --label expected --label trapeze "${EXPECTED}" "${OUT}"
                  OUTPUT_VARIABLE diff_out ERROR_VARIABLE diff_err)
  message("${diff_out}${diff_err}")
  message(FATAL_ERROR "serial output differs from ${EXPECTED}\n${err}")
endif()
message(STATUS "serial output matches ${EXPECTED}")
