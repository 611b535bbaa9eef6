# Renders the HTML report in headless Chromium (Debian `chromium`): the page must load with no
# console error or failed resource load, and its DOM must show the summary.
#   -DTRAPEZE=path -DCHROMIUM=path -DOUT=dir
if(NOT CHROMIUM OR CHROMIUM MATCHES "NOTFOUND")
  message(FATAL_ERROR "chromium is not installed (scripts/setup-debian.sh installs it)")
endif()
set(html ${OUT}/report-chromium.html)
execute_process(COMMAND ${TRAPEZE} report x86 --model pentium-umip --format html -o ${html}
                RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trapeze report failed (${rc}): ${err}")
endif()
file(REMOVE_RECURSE ${OUT}/chromium-profile)
execute_process(COMMAND ${CHROMIUM} --headless --no-sandbox --disable-gpu --no-first-run
                        --user-data-dir=${OUT}/chromium-profile --enable-logging=stderr --v=0
                        --dump-dom file://${html}
                RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "chromium failed (${rc}):\n${log}")
endif()
foreach(bad "CONSOLE" "Failed to load resource" "net::ERR_" "Uncaught")
  string(FIND "${log}" "${bad}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "chromium reported '${bad}' while loading the report:\n${log}")
  endif()
endforeach()
foreach(want "id=\"summary\"" "Theorem 1" "id=\"theorem1\"" "<svg" "Differences from")
  string(FIND "${dom}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the rendered page lacks '${want}'")
  endif()
endforeach()
