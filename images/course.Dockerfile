# The last layers of every course image, on top of its stack (STACK, passed by
# the Makefile): the start hook that merges the course into ~/course, the
# server settings, and the course itself at one fixed path (/opt/course), for
# the hub to seed students' homes from. Kept last so that editing a notebook
# never invalidates a framework install.
ARG STACK
FROM ${STACK}
COPY images/base/start/jupyter_server_config.py /etc/jupyter/jupyter_server_config.py
# No "check for news / updates" prompts for students (the labs are often offline).
COPY images/base/start/overrides.json /opt/venv/share/jupyter/lab/settings/overrides.json
COPY images/base/start/course_merge.py /usr/local/lib/dlcourse/course_merge.py
COPY images/base/start/course-merge images/base/start/course-restore images/base/start/start-singleuser /usr/local/bin/
CMD ["start-singleuser"]
COPY --chown=root:root notebooks/ /opt/course/
