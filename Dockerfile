# Foresight worker image (used by docker-compose.yml). Build: docker build -t foresight .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
# A fixed non-root user (uid 10001): deploy/temporal/gen-certs.sh hands the workers' keys to this uid.
RUN groupadd --system --gid 10001 foresight \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/foresight --shell /usr/sbin/nologin foresight \
 && mkdir -p /var/lib/foresight/store \
 && chown -R 10001:10001 /var/lib/foresight && chmod 700 /var/lib/foresight
WORKDIR /opt/foresight
# the application files belong to root and are read-only for the user that runs them
COPY --from=build /src/app/target/foresight-app.jar /opt/foresight/
COPY --from=build /src/app/target/lib /opt/foresight/lib
COPY conf /opt/foresight/conf
ENV FORESIGHT_HOME=/opt/foresight SPARK_LOCAL_IP=127.0.0.1 FORESIGHT_STATE_DIR=/var/lib/foresight
USER 10001:10001
EXPOSE 9464 8088
ENTRYPOINT ["java", "-XX:+IgnoreUnrecognizedVMOptions", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true", "-jar", "/opt/foresight/foresight-app.jar"]
