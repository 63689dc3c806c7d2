# The Debian package: `cpack -G DEB` in the build tree writes
# wireshark-plugin-middlebox_<version>_<arch>.deb with
#   <Wireshark's system plugin folder>/epan/middlebox.so       the plugin
#   <Wireshark's system plugin folder>/epan/middlebox/middlebox-qt.so
#                                                             the dialog (where the plugin dlopen()s it)
#   /usr/share/wireshark/profiles/Middlebox/                  the profile, a global one
#   /usr/share/doc/wireshark-plugin-middlebox/                README.md, GUIDE.md, the user pages
#                                                             of docs/ (README's links hold)
# The plugin and dialog install rules are theirs (plugin/wireshark, plugin/qt):
# the plugin folder of the Wireshark built against (WiresharkConfig.cmake's
# Wireshark_PLUGIN_INSTALL_DIR, the one pkg-config's plugindir names).

# Wireshark's data folder is <prefix>/share/wireshark ("Global configuration"
# in tshark -G folders); it offers the folders of its profiles/ subfolder to
# every user (wsutil/filesystem.c, get_global_profiles_dir).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plugin/profile/ DESTINATION share/wireshark/profiles/Middlebox
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/test_captures/GUIDE.md
        DESTINATION share/doc/wireshark-plugin-middlebox)
foreach(_page install fields verdicts reports gui scanner)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/${_page}.md DESTINATION share/doc/wireshark-plugin-middlebox/docs)
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/screenshots DESTINATION share/doc/wireshark-plugin-middlebox/docs)

# A plugin loads only into the minor series it was built for: depend on the
# package of the very libwireshark built against, from this version up to the
# next minor series (excluded, its pre-releases too).
file(GLOB _libwireshark "${Wireshark_LIB_DIR}/libwireshark.so.[0-9]*")
list(SORT _libwireshark)
list(GET _libwireshark 0 _libwireshark)
execute_process(COMMAND dpkg-query -S "${_libwireshark}" OUTPUT_VARIABLE _owner RESULT_VARIABLE _rc
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT _rc EQUAL 0)
  message(WARNING "No Debian package owns ${_libwireshark}: cpack -G DEB cannot name the libwireshark dependency")
  return()
endif()
string(REGEX REPLACE ":.*" "" MIDDLEBOX_LIBWIRESHARK_PACKAGE "${_owner}")
math(EXPR _next_minor "${Wireshark_MINOR_VERSION} + 1")
set(_next "${Wireshark_MAJOR_VERSION}.${_next_minor}~")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wireshark-plugin-middlebox)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "middlebox maintainers <middlebox@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark ${MIDDLEBOX_WS_SERIES} plugin exposing TCP-option-echoing middleboxes")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Pairs every SYN with the SYN+ACK that answers it and tells a middlebox that
copies the SYN's options (echoed MPTCP MP_CAPABLE keys, unknown option kinds)
from a server that supports them, in tshark (-z middlebox) and Wireshark
(fields, expert info, the Suspected Middleboxes dialog, the Middlebox profile).")
# Debug information stays in the build tree.
set(CPACK_STRIP_FILES ON)
# dpkg-shlibdeps adds what the two libraries link (libc, GLib, Qt for the
# dialog); this adds the exact series.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${MIDDLEBOX_LIBWIRESHARK_PACKAGE} (>= ${Wireshark_VERSION}), ${MIDDLEBOX_LIBWIRESHARK_PACKAGE} (<< ${_next})")
set(CPACK_DEBIAN_PACKAGE_ENHANCES "tshark, wireshark-qt")
include(CPack)
