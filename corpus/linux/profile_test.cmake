# The Popek-Goldberg profile of the Debian kernel's boot (analysis/profile.h): the run with
# --profile must end as the plain boot does, and the report must list the sensitive
# instructions the kernel executes, with non-zero counts (PUSHF/POPF in the interrupt-flag
# helpers among them). (Debian's System.map is a stub that points to the -dbg package, so the
# sites are not resolved to symbols here.)
#   -DTRAPEZE=exe -DKERNEL=vmlinuz -DINITRD=initrd -DOUT=dir
cmake_minimum_required(VERSION 3.25)
set(profile ${OUT}/linux-profile.json)
execute_process(COMMAND ${TRAPEZE} run pc -m 128 -kernel ${KERNEL} -initrd ${INITRD}
                        -append "console=ttyS0 acpi=off noapic nolapic nokaslr" -rtc base=2024-01-01
                        -no-reboot --profile ${profile}
                RESULT_VARIABLE rc OUTPUT_VARIABLE console ERROR_VARIABLE err TIMEOUT 1800)
if(NOT rc EQUAL 0 OR NOT console MATCHES "TRAPEZE-MARKER: done")
  message(FATAL_ERROR "profiled boot: status ${rc}\n${err}")
endif()
execute_process(COMMAND ${TRAPEZE} report ${profile}
                RESULT_VARIABLE rc OUTPUT_VARIABLE report ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trapeze report: status ${rc}: ${err}")
endif()
foreach(want "\\| sensitive-unprivileged \\| [1-9][0-9]* \\|" "\\| PUSHFD \\| [1-9][0-9]* \\|"
        "\\| POPFD \\| [1-9][0-9]* \\|" "\\| CLI \\| [1-9][0-9]* \\|"
        "\\| [1-9][0-9]* \\| PUSHFD \\| 0 \\| 0xc1[0-9a-f]+ \\|")
  if(NOT report MATCHES "${want}")
    message(FATAL_ERROR "the profile report lacks '${want}':\n${report}")
  endif()
endforeach()
