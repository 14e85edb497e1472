"""Fake `pyspark.context.SparkContext` with job groups, a status tracker and scripted jobs.

Job groups are per thread, as in pyspark's pinned-thread mode: `setJobGroup` applies to the
jobs the calling thread starts.

`sc._fake_job(tasks=4, seconds=2.0)` starts a job of one stage with `tasks` tasks in the
calling thread's job group; the tasks complete evenly over `seconds`. It blocks until the job
is done and returns `tasks`, or raises `Exception("Job N cancelled part of cancelled job
group G")` as soon as `cancelJobGroup(G)` (or `cancelAllJobs()`) cancels it.

For assertions: `sc._fake_job_groups` lists the `(group, description, interruptOnCancel)`
of every `setJobGroup` call and `sc._fake_cancelled_groups` every cancelled group.
"""

import collections
import itertools
import os
import threading
import time

from pyspark.conf import SparkConf

SparkJobInfo = collections.namedtuple("SparkJobInfo", "jobId stageIds status")
SparkStageInfo = collections.namedtuple(
    "SparkStageInfo",
    "stageId currentAttemptId name numTasks numActiveTasks numCompletedTasks numFailedTasks",
)


class _FakeJob(object):
    def __init__(self, job_id, stage_id, group, tasks, seconds):
        self.job_id = job_id
        self.stage_id = stage_id
        self.group = group
        self.tasks = max(0, int(tasks))
        self.seconds = max(0.0, float(seconds))
        self.started = time.monotonic()
        self.cancelled = threading.Event()
        self.status = "RUNNING"
        self.failed_tasks = 0
        self.finished_tasks = None  # frozen count once the job ended

    def completed_tasks(self):
        if self.finished_tasks is not None:
            return self.finished_tasks
        if self.seconds <= 0:
            return self.tasks
        elapsed = time.monotonic() - self.started
        return min(self.tasks, int(elapsed / self.seconds * self.tasks))


class StatusTracker(object):
    def __init__(self, sc):
        self._sc = sc

    def getJobIdsForGroup(self, jobGroup=None):
        with self._sc._fake_lock:
            return [j.job_id for j in self._sc._fake_jobs.values() if j.group == jobGroup]

    def getActiveJobsIds(self):
        with self._sc._fake_lock:
            return [j.job_id for j in self._sc._fake_jobs.values() if j.status == "RUNNING"]

    def getActiveStageIds(self):
        with self._sc._fake_lock:
            return [j.stage_id for j in self._sc._fake_jobs.values() if j.status == "RUNNING"]

    def getJobInfo(self, jobId):
        with self._sc._fake_lock:
            job = self._sc._fake_jobs.get(jobId)
        if job is None:
            return None
        return SparkJobInfo(job.job_id, [job.stage_id], job.status)

    def getStageInfo(self, stageId):
        with self._sc._fake_lock:
            job = next((j for j in self._sc._fake_jobs.values() if j.stage_id == stageId), None)
        if job is None:
            return None
        done = job.completed_tasks()
        active = 0 if job.status != "RUNNING" else min(2, job.tasks - done)
        return SparkStageInfo(job.stage_id, 0, "fake stage %d" % job.stage_id, job.tasks, active, done, 0)


class SparkContext(object):
    _active_spark_context = None

    def __init__(self, master=None, appName=None, conf=None, **kwargs):
        self._conf = conf if conf is not None else SparkConf()
        if master:
            self._conf.set("spark.master", master)
        if appName:
            self._conf.set("spark.app.name", appName)
        self.master = self._conf.get("spark.master", "local[*]")
        self.appName = self._conf.get("spark.app.name", "fake")
        self.applicationId = "local-fake-%d" % os.getpid()
        self.uiWebUrl = None
        self.version = "4.3.0"
        self.defaultParallelism = 2
        self._fake_lock = threading.Lock()
        self._fake_jobs = collections.OrderedDict()
        self._fake_ids = itertools.count()
        self._fake_local = threading.local()
        self._fake_job_groups = []
        self._fake_cancelled_groups = []
        self._fake_stopped = False
        SparkContext._active_spark_context = self

    @classmethod
    def getOrCreate(cls, conf=None):
        return cls._active_spark_context or cls(conf=conf)

    def getConf(self):
        return SparkConf(_values=dict(self._conf.getAll()))

    def setLogLevel(self, logLevel):
        pass

    def setJobGroup(self, groupId, description, interruptOnCancel=False):
        self._fake_local.group = groupId
        with self._fake_lock:
            self._fake_job_groups.append((groupId, description, interruptOnCancel))

    def setLocalProperty(self, key, value):
        if key == "spark.jobGroup.id":
            self._fake_local.group = value

    def getLocalProperty(self, key):
        if key == "spark.jobGroup.id":
            return getattr(self._fake_local, "group", None)
        return None

    def cancelJobGroup(self, groupId, reason=None):
        with self._fake_lock:
            self._fake_cancelled_groups.append(groupId)
            jobs = [j for j in self._fake_jobs.values() if j.group == groupId and j.status == "RUNNING"]
        for job in jobs:
            job.cancelled.set()

    def cancelAllJobs(self):
        with self._fake_lock:
            jobs = [j for j in self._fake_jobs.values() if j.status == "RUNNING"]
        for job in jobs:
            job.cancelled.set()

    def statusTracker(self):
        return StatusTracker(self)

    def stop(self):
        self._fake_stopped = True
        if SparkContext._active_spark_context is self:
            SparkContext._active_spark_context = None

    def _fake_job(self, tasks=4, seconds=2.0):
        """A scripted job in this thread's job group; see the module docstring."""
        with self._fake_lock:
            job_id = next(self._fake_ids)
            job = _FakeJob(job_id, job_id, getattr(self._fake_local, "group", None), tasks, seconds)
            self._fake_jobs[job_id] = job
        try:
            while True:
                if job.cancelled.is_set():
                    job.status = "FAILED"
                    raise Exception("Job %d cancelled part of cancelled job group %s" % (job.job_id, job.group))
                remaining = job.seconds - (time.monotonic() - job.started)
                if remaining <= 0:
                    break
                job.cancelled.wait(min(0.02, remaining))
            job.status = "SUCCEEDED"
            return job.tasks
        finally:
            job.finished_tasks = job.completed_tasks() if job.status != "SUCCEEDED" else job.tasks
            if job.status == "RUNNING":
                job.status = "FAILED"
