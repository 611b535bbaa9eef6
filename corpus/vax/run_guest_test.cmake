# cmake -DVASM=... -DTRAPEZE=... -DSRC=guest.vax -DLIB=lib/console.vax -DEXPECTED=... -DOUT=DIR
#       -P run_guest_test.cmake
# One VAX corpus guest: appends the shared console library to the guest, assembles it with
# vasm at 0x200, runs it on trapeze's MicroVAX 3900 (no ROM: loaded at physical 0x200, started
# there in kernel mode with memory management off) and compares the console output with the
# expected output byte for byte; prints a unified diff on a mismatch.
foreach(var VASM TRAPEZE SRC LIB EXPECTED OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_guest_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "expected output not found: ${EXPECTED}")
endif()
get_filename_component(name "${SRC}" NAME_WE)
file(MAKE_DIRECTORY "${OUT}")
file(READ "${SRC}" guest)
file(READ "${LIB}" lib)
file(WRITE "${OUT}/${name}.s" "${guest}\n${lib}")
file(REMOVE "${OUT}/${name}.bin" "${OUT}/${name}.out")
execute_process(
  COMMAND "${VASM}" "${OUT}/${name}.s" -o "${OUT}/${name}.bin" --origin 0x200 -l "${OUT}/${name}.lst"
  RESULT_VARIABLE as_rc
  ERROR_VARIABLE as_err)
if(NOT as_rc EQUAL 0)
  message(FATAL_ERROR "vasm failed on ${SRC} (exit ${as_rc}):\n${as_err}")
endif()
execute_process(
  COMMAND "${TRAPEZE}" run microvax3900 --load "${OUT}/${name}.bin@0x200" --start 0x200 -m 16
          --max-insns 20000000
  OUTPUT_FILE "${OUT}/${name}.out"
  RESULT_VARIABLE run_rc
  ERROR_VARIABLE run_err)
file(READ "${OUT}/${name}.out" got HEX)
file(READ "${EXPECTED}" want HEX)
if(NOT got STREQUAL want)
  execute_process(
    COMMAND diff -u --label expected --label trapeze "${EXPECTED}" "${OUT}/${name}.out"
    OUTPUT_VARIABLE diff_out
    ERROR_VARIABLE diff_err)
  message("${diff_out}${diff_err}")
  message(FATAL_ERROR "output of ${name} differs from ${EXPECTED} (trapeze exit ${run_rc})\n${run_err}")
endif()
if(NOT run_rc EQUAL 0)
  message(FATAL_ERROR "trapeze exit ${run_rc} (expected 0, a HALT)\n${run_err}")
endif()
message(STATUS "output matches ${EXPECTED}")
