# cmake -DFROM=<dir> -DTO=<dir> -P copy_assets.cmake: copies the files of FROM into TO when FROM
# exists (the npm packages in tests/node_modules may be installed after the build was configured).
if(EXISTS "${FROM}")
  file(COPY "${FROM}/" DESTINATION "${TO}")
else()
  message(WARNING "${FROM} missing (npm ci --prefix tests): ${TO} not made; sio-forwarder will say so at start")
endif()
