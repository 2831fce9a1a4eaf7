"""The caseworker's jobs, in the core: the CLI and the desktop app are two faces of these.

Every long job is a generator that yields typed events (`assist.jobs.events`) and returns its
result, honouring a `CancelToken`; the caller decides on threads. `run(job)` drives one to its
end; `throttled(job)` thins out the events a GUI would drown in.
"""
